import NIOCore

/// The fixed 12-byte header of a DNS message (RFC 1035 §4.1.1).
public struct DNSHeader: Hashable, Sendable {
    /// The size of the header on the wire.
    public static let size = 12

    /// The query id, echoed in the response.
    public var id: UInt16
    /// QR, opcode, AA, TC, RD, RA, Z and RCODE as on the wire.
    public var flags: UInt16
    /// Entries in the question section.
    public var questionCount: UInt16
    /// Records in the answer section.
    public var answerCount: UInt16
    /// Records in the authority section.
    public var authorityCount: UInt16
    /// Records in the additional section.
    public var additionalCount: UInt16

    /// A header from its fields.
    public init(id: UInt16, flags: UInt16, questionCount: UInt16 = 0, answerCount: UInt16 = 0,
                authorityCount: UInt16 = 0, additionalCount: UInt16 = 0) {
        self.id = id
        self.flags = flags
        self.questionCount = questionCount
        self.answerCount = answerCount
        self.authorityCount = authorityCount
        self.additionalCount = additionalCount
    }

    /// The header at the start of `buffer`'s readable bytes, or nil when there are fewer than 12.
    public init?(peekingAt buffer: ByteBuffer) {
        let base = buffer.readerIndex
        guard buffer.readableBytes >= Self.size,
              let id = buffer.getInteger(at: base, as: UInt16.self),
              let flags = buffer.getInteger(at: base + 2, as: UInt16.self),
              let questions = buffer.getInteger(at: base + 4, as: UInt16.self),
              let answers = buffer.getInteger(at: base + 6, as: UInt16.self),
              let authority = buffer.getInteger(at: base + 8, as: UInt16.self),
              let additional = buffer.getInteger(at: base + 10, as: UInt16.self)
        else { return nil }
        self.init(id: id, flags: flags, questionCount: questions, answerCount: answers,
                  authorityCount: authority, additionalCount: additional)
    }

    /// QR: whether this is a response.
    public var isResponse: Bool { flags & 0x8000 != 0 }
    /// The opcode (0 = standard query).
    public var opcode: UInt8 { UInt8((flags >> 11) & 0xF) }
    /// AA: the answer is authoritative.
    public var isAuthoritative: Bool { flags & 0x0400 != 0 }
    /// TC: the message was truncated; retry over TCP.
    public var isTruncated: Bool { flags & 0x0200 != 0 }
    /// RD: the client asked for recursion.
    public var recursionDesired: Bool { flags & 0x0100 != 0 }
    /// RA: the server offers recursion (Wharf never does).
    public var recursionAvailable: Bool { flags & 0x0080 != 0 }
    /// The 4-bit RCODE of the header (EDNS may extend it).
    public var responseCode: UInt8 { UInt8(flags & 0xF) }
}

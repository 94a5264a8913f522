import NIOCore

/// Writes one DNS response into a `ByteBuffer`: header, echoed question, then records section by
/// section, compressing names against everything written before (RFC 1035 §4.1.4).
///
/// The writer keeps the message within `limit` bytes. A record that does not fit is taken back;
/// if it belonged to the answer or authority section the response is marked truncated (TC) and
/// nothing more is written, while a missing additional record only ends the additional section
/// (RFC 2181 §9: extra data is optional). When the query had EDNS, room for the OPT record is
/// kept from the start.
struct DNSResponseWriter {
    enum Section: Int, Comparable {
        case answer, authority, additional

        static func < (lhs: Section, rhs: Section) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The size of the OPT record Wharf writes (root name, no options).
    static let optSize = 11

    private(set) var buffer: ByteBuffer
    /// Where the message starts in `buffer` (after a TCP length prefix, say).
    private let start: Int
    private let limit: Int
    /// Bytes kept free for the OPT record.
    private let reserve: Int
    private var flags: UInt16
    private var questionCount: UInt16 = 0
    /// Records per section: answer, authority, additional.
    private var recordCounts: (UInt16, UInt16, UInt16) = (0, 0, 0)
    /// Message offsets of every label written out in full: candidates for compression pointers.
    private var labelOffsets: [Int] = []
    /// The question's name and where it was written: most owner names are it.
    private var question: (wire: [UInt8], offset: Int)?
    /// The first section that no longer takes records.
    private var closedFrom: Section?
    private(set) var truncated = false

    /// Starts a response to `header` with `rcode`; `limit` bounds the whole message, of which
    /// room for the OPT record is kept when `reserveForOPT`.
    init(buffer: ByteBuffer, replyingTo header: DNSHeader, rcode: DNSResponseCode, authoritative: Bool, limit: Int, reserveForOPT: Bool) {
        self.buffer = buffer
        self.start = buffer.writerIndex
        self.limit = limit
        self.reserve = reserveForOPT ? Self.optSize : 0
        var flags: UInt16 = 0x8000 | (header.flags & 0x7800) | (header.flags & 0x0100)
        if authoritative { flags |= 0x0400 }
        flags |= rcode.rawValue & 0xF
        self.flags = flags
        labelOffsets.reserveCapacity(16)
        self.buffer.writeInteger(header.id)
        self.buffer.writeInteger(flags)
        self.buffer.writeInteger(UInt64(0))
    }

    /// Replaces the response code set at the start (only its low 4 bits go in the header).
    mutating func setResponseCode(_ rcode: DNSResponseCode) {
        flags = flags & ~0xF | rcode.rawValue & 0xF
    }

    /// Bytes written so far.
    var size: Int { buffer.writerIndex - start }

    mutating func writeQuestion(_ question: DNSQuestion) {
        let offset = size
        writeName(question.name)
        if self.question == nil { self.question = (question.name.wire, offset) }
        buffer.writeInteger(question.type.rawValue)
        buffer.writeInteger(question.qclass)
        questionCount += 1
    }

    /// Adds an A record; false when it did not fit.
    @discardableResult
    mutating func addA(_ section: Section, name: DNSName, ttl: UInt32, address: UInt32) -> Bool {
        guard let mark = begin(section, name: name, type: .a, ttl: ttl) else { return false }
        buffer.writeInteger(address)
        return end(section, mark)
    }

    /// Adds an SRV record; false when it did not fit.
    @discardableResult
    mutating func addSRV(_ section: Section, name: DNSName, ttl: UInt32, priority: UInt16, weight: UInt16,
                         port: UInt16, target: DNSName) -> Bool {
        guard let mark = begin(section, name: name, type: .srv, ttl: ttl) else { return false }
        buffer.writeInteger(priority)
        buffer.writeInteger(weight)
        buffer.writeInteger(port)
        writeName(target)
        return end(section, mark)
    }

    /// Adds an NS record; false when it did not fit.
    @discardableResult
    mutating func addNS(_ section: Section, name: DNSName, ttl: UInt32, host: DNSName) -> Bool {
        guard let mark = begin(section, name: name, type: .ns, ttl: ttl) else { return false }
        writeName(host)
        return end(section, mark)
    }

    /// Adds an SOA record; false when it did not fit.
    @discardableResult
    mutating func addSOA(_ section: Section, zone: DNSZone, ttl: UInt32, serial: UInt32, minimum: UInt32) -> Bool {
        guard let mark = begin(section, name: zone.apex, type: .soa, ttl: ttl) else { return false }
        writeName(zone.nameServer)
        writeName(zone.hostmaster)
        buffer.writeInteger(serial)
        buffer.writeInteger(UInt32(3600)) // refresh
        buffer.writeInteger(UInt32(600)) // retry
        buffer.writeInteger(UInt32(86400)) // expire
        buffer.writeInteger(minimum)
        return end(section, mark)
    }

    /// Ends the message: adds the OPT record when asked (`extendedRcode` is the upper 8 bits of
    /// the response code), sets the counts and TC, and returns the buffer.
    mutating func finish(opt: Bool, extendedRcode: UInt8 = 0) -> ByteBuffer {
        if opt {
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(DNSRecordType.opt.rawValue)
            buffer.writeInteger(UInt16(DNSConfiguration.udpPayloadSize))
            buffer.writeInteger(UInt32(extendedRcode) << 24)
            buffer.writeInteger(UInt16(0))
            recordCounts.2 += 1
        }
        if truncated { flags |= 0x0200 }
        buffer.setInteger(flags, at: start + 2)
        buffer.setInteger(questionCount, at: start + 4)
        buffer.setInteger(recordCounts.0, at: start + 6)
        buffer.setInteger(recordCounts.1, at: start + 8)
        buffer.setInteger(recordCounts.2, at: start + 10)
        return buffer
    }

    private typealias Mark = (writer: Int, labels: Int, rdataLength: Int)

    private mutating func begin(_ section: Section, name: DNSName, type: DNSRecordType, ttl: UInt32) -> Mark? {
        if let closedFrom, section >= closedFrom { return nil }
        let writer = buffer.writerIndex
        let labels = labelOffsets.count
        writeName(name)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(DNSClass.internet)
        buffer.writeInteger(ttl)
        let rdataLength = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        return (writer, labels, rdataLength)
    }

    private mutating func end(_ section: Section, _ mark: Mark) -> Bool {
        guard size + reserve <= limit else {
            buffer.moveWriterIndex(to: mark.writer)
            labelOffsets.removeSubrange(mark.labels...)
            if section == .additional {
                closedFrom = .additional
            } else {
                closedFrom = .answer
                truncated = true
            }
            return false
        }
        buffer.setInteger(UInt16(buffer.writerIndex - mark.rdataLength - 2), at: mark.rdataLength)
        switch section {
        case .answer: recordCounts.0 += 1
        case .authority: recordCounts.1 += 1
        case .additional: recordCounts.2 += 1
        }
        return true
    }

    /// Writes `name`, replacing its longest suffix already in the message by a pointer.
    mutating func writeName(_ name: DNSName) {
        let wire = name.wire
        // Fast path for answers owned by the question's name (same array storage, in practice).
        if let question, !wire.isEmpty, question.wire == wire {
            buffer.writeInteger(UInt16(0xC000) | UInt16(question.offset))
            return
        }
        var position = 0
        while position < wire.count {
            if let target = earlierCopy(of: wire, from: position) {
                buffer.writeInteger(UInt16(0xC000) | UInt16(target))
                return
            }
            let offset = size
            if offset < 0x4000 { labelOffsets.append(offset) }
            let end = position + 1 + Int(wire[position])
            wire.withUnsafeBytes { bytes in
                _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[position ..< end]))
            }
            position = end
        }
        buffer.writeInteger(UInt8(0))
    }

    /// The message offset of a name equal (ignoring case) to `wire[position...]`, if any.
    private func earlierCopy(of wire: [UInt8], from position: Int) -> Int? {
        for offset in labelOffsets where matches(wire, from: position, at: offset) { return offset }
        return nil
    }

    /// Whether the name written at message offset `offset` equals `wire[position...]`.
    private func matches(_ wire: [UInt8], from position: Int, at offset: Int) -> Bool {
        var position = position
        var offset = offset
        var hops = 0
        while true {
            guard let length = buffer.getInteger(at: start + offset, as: UInt8.self) else { return false }
            if length & 0xC0 == 0xC0 {
                // Pointers written here always point backwards; the hop limit is only a guard.
                guard let low = buffer.getInteger(at: start + offset + 1, as: UInt8.self), hops < 64 else { return false }
                hops += 1
                offset = Int(length & 0x3F) << 8 | Int(low)
                continue
            }
            if position == wire.count { return length == 0 }
            guard length == wire[position] else { return false }
            let count = Int(length)
            for index in 1 ... count {
                guard let byte = buffer.getInteger(at: start + offset + index, as: UInt8.self),
                      DNSName.lower(byte) == DNSName.lower(wire[position + index]) else { return false }
            }
            position += 1 + count
            offset += 1 + count
        }
    }
}

import NIOCore

extension DNSMessage {
    /// Parses the query in `buffer`'s readable bytes. Every read is bounds-checked; compression
    /// pointers must point strictly before the name part that holds them (so they cannot loop);
    /// labels, names and section counts are checked against RFC 1035 limits. Bytes after the last
    /// record are ignored.
    public init(parsing buffer: ByteBuffer) throws(DNSParseError) {
        guard let header = DNSHeader(peekingAt: buffer) else { throw .truncated }
        var reader = DNSReader(buffer: buffer, position: DNSHeader.size)
        // A question takes at least 5 bytes, a record at least 11: reject absurd counts before
        // reserving or looping.
        let records = Int(header.answerCount) + Int(header.authorityCount) + Int(header.additionalCount)
        guard Int(header.questionCount) * 5 + records * 11 <= reader.remaining else { throw .impossibleCounts }

        var questions: [DNSQuestion] = []
        questions.reserveCapacity(Int(header.questionCount))
        for _ in 0 ..< header.questionCount {
            let name = try reader.readName()
            let type = try reader.readUInt16()
            let qclass = try reader.readUInt16()
            questions.append(DNSQuestion(name: name, type: DNSRecordType(rawValue: type), qclass: qclass))
        }
        for _ in 0 ..< Int(header.answerCount) + Int(header.authorityCount) {
            let record = try reader.readRecordHeader()
            guard record.type != DNSRecordType.opt.rawValue else { throw .badOPT }
        }
        var edns: DNSEDNS?
        for _ in 0 ..< header.additionalCount {
            let record = try reader.readRecordHeader()
            guard record.type == DNSRecordType.opt.rawValue else { continue }
            guard edns == nil, record.isRoot else { throw .badOPT }
            edns = DNSEDNS(udpPayloadSize: record.rclass, version: UInt8((record.ttl >> 16) & 0xFF),
                           dnssecOK: record.ttl & 0x8000 != 0)
        }
        self.init(header: header, questions: questions, edns: edns)
    }
}

/// A bounds-checked cursor over a DNS message; offsets are relative to the message start.
struct DNSReader {
    /// The most compression pointers followed within one name.
    static let maxPointerHops = 32

    /// The fixed part of a resource record, after its rdata was skipped.
    struct RecordHeader {
        var isRoot: Bool
        var type: UInt16
        var rclass: UInt16
        var ttl: UInt32
    }

    let buffer: ByteBuffer
    var position: Int

    /// Bytes left after `position`.
    var remaining: Int { buffer.readableBytes - position }

    private func byte(at offset: Int) throws(DNSParseError) -> UInt8 {
        guard offset < buffer.readableBytes, let byte = buffer.getInteger(at: buffer.readerIndex + offset, as: UInt8.self) else {
            throw .truncated
        }
        return byte
    }

    mutating func readUInt16() throws(DNSParseError) -> UInt16 {
        guard remaining >= 2, let value = buffer.getInteger(at: buffer.readerIndex + position, as: UInt16.self) else {
            throw .truncated
        }
        position += 2
        return value
    }

    mutating func readUInt32() throws(DNSParseError) -> UInt32 {
        guard remaining >= 4, let value = buffer.getInteger(at: buffer.readerIndex + position, as: UInt32.self) else {
            throw .truncated
        }
        position += 4
        return value
    }

    /// Reads a record's name, type, class and TTL and skips its rdata.
    mutating func readRecordHeader() throws(DNSParseError) -> RecordHeader {
        let isRoot = try skipName()
        let type = try readUInt16()
        let rclass = try readUInt16()
        let ttl = try readUInt32()
        let length = Int(try readUInt16())
        guard remaining >= length else { throw .truncated }
        position += length
        return RecordHeader(isRoot: isRoot, type: type, rclass: rclass, ttl: ttl)
    }

    /// Reads a possibly compressed name.
    mutating func readName() throws(DNSParseError) -> DNSName {
        var wire: [UInt8] = []
        wire.reserveCapacity(32)
        try walkName(into: &wire, keep: true)
        return DNSName(wire: wire)
    }

    /// Checks and skips a name; returns whether it is the root.
    mutating func skipName() throws(DNSParseError) -> Bool {
        var unused: [UInt8] = []
        return try walkName(into: &unused, keep: false) == 0
    }

    /// Follows a name from `position`, leaving `position` after its last byte in place (the first
    /// pointer or the root label). Returns the name's wire length without the root byte.
    @discardableResult
    private mutating func walkName(into wire: inout [UInt8], keep: Bool) throws(DNSParseError) -> Int {
        var offset = position
        // Every pointer must land before the start of the part being read, so offsets strictly
        // decrease at each hop: no loops, whatever the hop limit.
        var partStart = position
        var hops = 0
        var length = 0
        var followed = false
        while true {
            let first = try byte(at: offset)
            switch first & 0xC0 {
            case 0x00:
                if first == 0 {
                    if !followed { position = offset + 1 }
                    return length
                }
                let labelLength = Int(first)
                length += 1 + labelLength
                guard length + 1 <= DNSName.maxWireLength else { throw .nameTooLong }
                guard offset + 1 + labelLength <= buffer.readableBytes else { throw .truncated }
                if keep, let label = buffer.viewBytes(at: buffer.readerIndex + offset, length: 1 + labelLength) {
                    wire.append(contentsOf: label)
                }
                offset += 1 + labelLength
            case 0xC0:
                let second = try byte(at: offset + 1)
                let target = Int(first & 0x3F) << 8 | Int(second)
                hops += 1
                guard target < partStart, hops <= Self.maxPointerHops else { throw .badPointer }
                if !followed { position = offset + 2 }
                followed = true
                partStart = target
                offset = target
            default:
                throw .badLabel
            }
        }
    }
}

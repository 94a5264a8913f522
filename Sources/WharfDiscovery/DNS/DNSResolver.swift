import NIOCore

/// How a packet was handled, for the server's statistics.
public enum DNSOutcome: Hashable, Sendable {
    /// Not answered: malformed, or a response sent to us.
    case dropped
    /// Answered with this code; `truncated` when TC was set; `type` is the question's type (nil
    /// when the question could not be read).
    case answered(DNSResponseCode, truncated: Bool, type: DNSRecordType? = nil)
}

/// The transport a query came over, which bounds the response size.
public enum DNSTransport: Hashable, Sendable {
    /// UDP: 512 bytes, or the client's EDNS size up to 4096.
    case udp
    /// TCP: 65535 bytes.
    case tcp
}

/// Answers DNS queries about the catalog, Consul's way. Pure: no I/O and no clock; the caller
/// passes the catalog snapshot and the random source used to shuffle answers.
public struct DNSResolver: Sendable {
    /// The largest message over TCP (its 2-byte length prefix).
    public static let tcpMessageLimit = 65535

    /// What this resolver answers for.
    public let configuration: DNSConfiguration
    /// Wharf's domains, longest first so that a nested domain wins over its parent.
    let zones: [DNSZone]
    let ttl: UInt32
    let negativeTTL: UInt32
    let nodeTTL: UInt32
    /// The address given for `ns.<domain>`: the bind address, or loopback for a wildcard bind.
    let nameServerAddress: UInt32

    /// A resolver for `configuration`; domains that are not valid names are ignored.
    public init(configuration: DNSConfiguration) {
        self.configuration = configuration
        var zones: [DNSZone] = []
        if let main = DNSZone(domain: configuration.domain, allowsShortNames: false) { zones.append(main) }
        for domain in configuration.extraDomains {
            if let zone = DNSZone(domain: domain, allowsShortNames: true) { zones.append(zone) }
        }
        self.zones = zones.sorted { $0.labels.count > $1.labels.count }
        ttl = UInt32(clamping: configuration.ttl)
        negativeTTL = UInt32(clamping: configuration.negativeTTL)
        nodeTTL = UInt32(clamping: configuration.nodeTTL)
        let bound = IPv4Literal.parse(configuration.bindAddress) ?? 0
        nameServerAddress = bound == 0 ? 0x7F00_0001 : bound
    }

    /// Answers the packet `packet` (one DNS message in its readable bytes), appending the response
    /// to `output`. Returns `.dropped`, leaving `output` alone, for packets that get no answer.
    public func respond(to packet: ByteBuffer, snapshot: CatalogSnapshot, transport: DNSTransport,
                        into output: inout ByteBuffer, random: inout some RandomNumberGenerator) -> DNSOutcome {
        guard let header = DNSHeader(peekingAt: packet), !header.isResponse else { return .dropped }
        guard header.opcode == 0 else {
            return reject(header, rcode: .notImplemented, into: &output)
        }
        guard header.questionCount == 1 else {
            return reject(header, rcode: .formatError, into: &output)
        }
        guard let query = try? DNSMessage(parsing: packet) else { return .dropped }
        let limit = transport == .tcp ? Self.tcpMessageLimit : query.udpResponseLimit
        return respond(to: query, snapshot: snapshot, maxSize: limit, into: &output, random: &random)
    }

    /// Answers `packet` into a new buffer; nil when it gets no answer. For tests and tools.
    public func respond(to packet: ByteBuffer, snapshot: CatalogSnapshot, transport: DNSTransport) -> ByteBuffer? {
        var output = ByteBuffer()
        var random = DNSRandom()
        guard case .answered = respond(to: packet, snapshot: snapshot, transport: transport, into: &output, random: &random) else {
            return nil
        }
        return output
    }

    /// Answers a parsed query with a message of at most `maxSize` bytes, appended to `output`.
    public func respond(to query: DNSMessage, snapshot: CatalogSnapshot, maxSize: Int,
                        into output: inout ByteBuffer, random: inout some RandomNumberGenerator) -> DNSOutcome {
        guard let question = query.questions.first, query.questions.count == 1 else {
            return reject(query.header, rcode: .formatError, into: &output)
        }
        let hasOPT = query.edns != nil
        if let edns = query.edns, edns.version != 0 {
            var writer = DNSResponseWriter(buffer: consume output, replyingTo: query.header, rcode: .noError,
                                           authoritative: false, limit: maxSize, reserveForOPT: true)
            writer.writeQuestion(question)
            output = writer.finish(opt: true, extendedRcode: UInt8(DNSResponseCode.badVersion.rawValue >> 4))
            return .answered(.badVersion, truncated: false, type: question.type)
        }
        let ranges = question.name.labelRanges
        guard question.qclass == DNSClass.internet || question.qclass == DNSClass.any,
              let zone = zones.first(where: { $0.contains(question.name, ranges: ranges) }) else {
            var writer = DNSResponseWriter(buffer: consume output, replyingTo: query.header, rcode: .refused,
                                           authoritative: false, limit: maxSize, reserveForOPT: hasOPT)
            writer.writeQuestion(question)
            output = writer.finish(opt: hasOPT)
            return .answered(.refused, truncated: false, type: question.type)
        }
        let lookup = DNSLookup(name: question.name, labels: ranges.dropLast(zone.labels.count), zone: zone,
                               datacenter: snapshot.datacenter)
        var writer = DNSResponseWriter(buffer: consume output, replyingTo: query.header, rcode: .noError,
                                       authoritative: true, limit: maxSize, reserveForOPT: hasOPT)
        writer.writeQuestion(question)
        let rcode = answer(lookup, to: question, zone: zone, snapshot: snapshot, writer: &writer, random: &random)
        writer.setResponseCode(rcode)
        output = writer.finish(opt: hasOPT)
        return .answered(rcode, truncated: writer.truncated, type: question.type)
    }

    /// A header-only answer (no question echoed) for queries Wharf cannot read.
    private func reject(_ header: DNSHeader, rcode: DNSResponseCode, into output: inout ByteBuffer) -> DNSOutcome {
        var writer = DNSResponseWriter(buffer: consume output, replyingTo: header, rcode: rcode, authoritative: false,
                                       limit: 512, reserveForOPT: false)
        output = writer.finish(opt: false)
        return .answered(rcode, truncated: false)
    }
}

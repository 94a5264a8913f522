import NIOCore

/// One question: the name, type and class asked about.
public struct DNSQuestion: Hashable, Sendable {
    /// The name, in the case the client sent it.
    public var name: DNSName
    /// The type asked for.
    public var type: DNSRecordType
    /// The class (1 = IN).
    public var qclass: UInt16

    /// A question; the class defaults to IN.
    public init(name: DNSName, type: DNSRecordType, qclass: UInt16 = 1) {
        self.name = name
        self.type = type
        self.qclass = qclass
    }
}

/// What a query's EDNS(0) OPT record says (RFC 6891).
public struct DNSEDNS: Hashable, Sendable {
    /// The largest UDP response the client accepts.
    public var udpPayloadSize: UInt16
    /// The EDNS version (Wharf speaks 0).
    public var version: UInt8
    /// DO: the client wants DNSSEC records (Wharf has none).
    public var dnssecOK: Bool

    /// EDNS parameters.
    public init(udpPayloadSize: UInt16, version: UInt8 = 0, dnssecOK: Bool = false) {
        self.udpPayloadSize = udpPayloadSize
        self.version = version
        self.dnssecOK = dnssecOK
    }
}

/// A DNS query as read from the wire: the header, its questions and its EDNS parameters. Answer
/// and authority records a query may carry are checked for shape and skipped.
public struct DNSMessage: Hashable, Sendable {
    /// The header as received.
    public var header: DNSHeader
    /// The questions (a valid query has exactly one).
    public var questions: [DNSQuestion]
    /// The OPT record's parameters, when the query had one.
    public var edns: DNSEDNS?

    /// A message from its parts.
    public init(header: DNSHeader, questions: [DNSQuestion], edns: DNSEDNS? = nil) {
        self.header = header
        self.questions = questions
        self.edns = edns
    }

    /// The largest UDP response this client takes: 512 bytes without EDNS, else what it
    /// advertises (at least 512) up to Wharf's own 4096.
    public var udpResponseLimit: Int {
        guard let edns else { return 512 }
        return min(max(512, Int(edns.udpPayloadSize)), DNSConfiguration.udpPayloadSize)
    }
}

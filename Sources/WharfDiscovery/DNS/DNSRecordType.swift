/// A DNS record (or query) type number.
public struct DNSRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The wire value.
    public var rawValue: UInt16

    /// A type from its wire value.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// IPv4 address.
    public static let a = DNSRecordType(rawValue: 1)
    /// Name server.
    public static let ns = DNSRecordType(rawValue: 2)
    /// Start of authority.
    public static let soa = DNSRecordType(rawValue: 6)
    /// Text.
    public static let txt = DNSRecordType(rawValue: 16)
    /// IPv6 address.
    public static let aaaa = DNSRecordType(rawValue: 28)
    /// Service location (RFC 2782).
    public static let srv = DNSRecordType(rawValue: 33)
    /// EDNS(0) pseudo-record (RFC 6891).
    public static let opt = DNSRecordType(rawValue: 41)
    /// Any type (query only).
    public static let any = DNSRecordType(rawValue: 255)

    /// The mnemonic, or `TYPEn` for types Wharf does not name.
    public var description: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .soa: "SOA"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .srv: "SRV"
        case .opt: "OPT"
        case .any: "ANY"
        default: "TYPE\(rawValue)"
        }
    }
}

/// A DNS response code (RCODE), including EDNS extended codes above 15.
public struct DNSResponseCode: RawRepresentable, Hashable, Sendable {
    /// The (possibly extended, 12-bit) value.
    public var rawValue: UInt16

    /// A code from its value.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Success (also used for "name exists, no records of that type").
    public static let noError = DNSResponseCode(rawValue: 0)
    /// The query could not be interpreted.
    public static let formatError = DNSResponseCode(rawValue: 1)
    /// Server failure.
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    /// The name does not exist.
    public static let nameError = DNSResponseCode(rawValue: 3)
    /// The opcode is not supported.
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    /// The server will not answer (a name outside its domains: no recursion).
    public static let refused = DNSResponseCode(rawValue: 5)
    /// Unsupported EDNS version (extended code, RFC 6891).
    public static let badVersion = DNSResponseCode(rawValue: 16)
}

/// DNS class numbers Wharf answers for.
enum DNSClass {
    /// Internet.
    static let internet: UInt16 = 1
    /// Any class (query only).
    static let any: UInt16 = 255
}

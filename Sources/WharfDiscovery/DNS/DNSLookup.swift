/// What a name inside one of Wharf's domains refers to, read from its labels Consul's way.
enum DNSLookup: Hashable, Sendable {
    /// The domain itself: SOA and NS.
    case apex
    /// `ns.<domain>`: the name server named by SOA and NS.
    case nameServer
    /// `[<tag>.]<service>.service[.<dc>].<domain>`, `_<service>._<tag|tcp|udp>[.service][.<dc>].<domain>`
    /// or (extra domains) `<service>.<domain>`. The tag is lower case; nil means any.
    case service(name: String, tag: String?)
    /// `<node>.node[.<dc>].<domain>`.
    case node(name: String)
    /// `<8 hex digits>.addr[.<dc>].<domain>`: the IPv4 address spelled in hex.
    case address(UInt32)
    /// Nothing that can exist (NXDOMAIN).
    case none

    private static let serviceLabel = Array("service".utf8)
    private static let nodeLabel = Array("node".utf8)
    private static let addrLabel = Array("addr".utf8)
    private static let nsLabel = Array("ns".utf8)

    /// Reads `labels` (the ranges of `name`'s labels left of the domain) for `zone` in datacenter
    /// `datacenter`.
    init(name: DNSName, labels: ArraySlice<Range<Int>>, zone: DNSZone, datacenter: String) {
        var labels = labels
        guard let last = labels.last else {
            self = .apex
            return
        }
        if labels.count == 1, name.label(last, equals: Self.nsLabel) {
            self = .nameServer
            return
        }
        // `<…>.service.<dc>`: drop a datacenter label that follows a keyword; any other datacenter
        // is unknown here (Wharf has one).
        if !Self.isKeyword(last, of: name), labels.count >= 2, Self.isKeyword(labels[labels.endIndex - 2], of: name) {
            guard name.label(last, equals: datacenter.utf8) else {
                self = .none
                return
            }
            labels.removeLast()
        }
        let keyword = labels.last!
        let prefix = labels.dropLast()
        if name.label(keyword, equals: Self.serviceLabel) {
            self = Self.service(name: name, prefix: prefix)
        } else if name.label(keyword, equals: Self.nodeLabel) {
            self = prefix.count == 1 ? .node(name: name.lowercasedLabel(prefix.first!)) : .none
        } else if name.label(keyword, equals: Self.addrLabel) {
            self = prefix.count == 1 ? Self.hexAddress(name: name, label: prefix.first!) : .none
        } else if labels.count == 2, Self.isUnderscored(labels.first!, of: name), Self.isUnderscored(keyword, of: name) {
            self = Self.service(name: name, prefix: labels)
        } else if zone.allowsShortNames, labels.count == 1 {
            self = .service(name: name.lowercasedLabel(keyword), tag: nil)
        } else {
            self = .none
        }
    }

    private static func isKeyword(_ label: Range<Int>, of name: DNSName) -> Bool {
        name.label(label, equals: serviceLabel) || name.label(label, equals: nodeLabel) || name.label(label, equals: addrLabel)
    }

    private static func isUnderscored(_ label: Range<Int>, of name: DNSName) -> Bool {
        label.count > 1 && name.wire[label.lowerBound] == UInt8(ascii: "_")
    }

    /// The labels before `service`: `<service>`, `<tag>.<service>` or RFC 2782's
    /// `_<service>._<tag|tcp|udp>`.
    private static func service(name: DNSName, prefix: ArraySlice<Range<Int>>) -> DNSLookup {
        switch prefix.count {
        case 1:
            return .service(name: name.lowercasedLabel(prefix.first!), tag: nil)
        case 2:
            let first = prefix.first!
            let second = prefix.last!
            if isUnderscored(first, of: name), isUnderscored(second, of: name) {
                let service = name.lowercasedLabel(first.dropFirst())
                let tag = name.lowercasedLabel(second.dropFirst())
                return .service(name: service, tag: tag == "tcp" || tag == "udp" ? nil : tag)
            }
            return .service(name: name.lowercasedLabel(second), tag: name.lowercasedLabel(first))
        default:
            return .none
        }
    }

    /// `7f000001` → 127.0.0.1.
    private static func hexAddress(name: DNSName, label: Range<Int>) -> DNSLookup {
        guard label.count == 8 else { return .none }
        var value: UInt32 = 0
        for index in label {
            let byte = DNSName.lower(name.wire[index])
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return .none
            }
            value = value << 4 | UInt32(digit)
        }
        return .address(value)
    }
}

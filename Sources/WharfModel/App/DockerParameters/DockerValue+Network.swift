import Foundation

extension DockerValue {
    // MARK: - Names and addresses

    /// RFC 1123 host name: labels of letters, digits and inner dashes, joined by dots.
    public static func isHostName(_ s: Substring) -> Bool {
        guard !s.isEmpty, s.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, let last = label.last, label.count <= 63,
                  first.isASCII, first.isLetter || first.isNumber, last.isASCII, last.isLetter || last.isNumber else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// Dotted-quad IPv4.
    public static func isIPv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy { $0.isASCII && $0.isNumber } && Int(p)! <= 255
        }
    }

    /// An IPv6 address: hex groups and colons, at most one `::`, an optional IPv4 tail.
    public static func isIPv6(_ s: Substring) -> Bool {
        guard s.contains(":") else { return false }
        var groups = s.components(separatedBy: ":")[...]
        var budget = 8
        if let last = groups.last, last.contains(".") {
            guard isIPv4(Substring(last)) else { return false }
            groups = groups.dropLast()
            budget = 6
        }
        let compressed = s.components(separatedBy: "::").count - 1
        guard compressed <= 1 else { return false }
        let filled = groups.filter { !$0.isEmpty }
        guard filled.allSatisfy({ $0.count <= 4 && $0.allSatisfy { $0.isASCII && $0.isHexDigit } }) else { return false }
        return compressed == 1 ? filled.count < budget : filled.count == budget && groups.count == budget
    }

    /// IPv4 or IPv6.
    public static func isIPAddress(_ s: Substring) -> Bool { isIPv4(s) || isIPv6(s) }

    /// `--dns`: an IP address (surrounding spaces ignored, as the CLI does).
    public static func ipAddress(_ text: String) throws(DockerValueError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard isIPAddress(trimmed[...]) else { throw DockerValueError("'\(text)' is not an IP address") }
        return trimmed
    }

    /// `--ip`: an IPv4 address.
    public static func ipv4(_ text: String) throws(DockerValueError) -> String {
        guard isIPv4(text[...]) else { throw DockerValueError("'\(text)' is not an IPv4 address") }
        return text
    }

    /// `--ip6`: an IPv6 address.
    public static func ipv6(_ text: String) throws(DockerValueError) -> String {
        guard isIPv6(text[...]) else { throw DockerValueError("'\(text)' is not an IPv6 address") }
        return text
    }

    /// `--mac-address` (`net.ParseMAC`): 6, 8 or 20 hex octets separated by `:` or `-`, or groups of
    /// four hex digits separated by dots.
    public static func macAddress(_ text: String) throws(DockerValueError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        func hex(_ parts: [Substring], width: Int, counts: Set<Int>) -> Bool {
            counts.contains(parts.count) && parts.allSatisfy { $0.count == width && $0.allSatisfy { $0.isASCII && $0.isHexDigit } }
        }
        let valid = hex(trimmed.split(separator: ":", omittingEmptySubsequences: false), width: 2, counts: [6, 8, 20])
            || hex(trimmed.split(separator: "-", omittingEmptySubsequences: false), width: 2, counts: [6, 8, 20])
            || hex(trimmed.split(separator: ".", omittingEmptySubsequences: false), width: 4, counts: [3, 4, 10])
        guard valid else { throw DockerValueError("'\(text)' is not a valid MAC address (e.g. 92:d0:c6:0a:29:33)") }
        return trimmed
    }

    /// `--add-host host:ip` or `host=ip` (the IP may be in brackets, or `host-gateway`); returned as
    /// `host:ip`, the form the Engine reads.
    public static func extraHost(_ text: String) throws(DockerValueError) -> String {
        var parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count != 2 { parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains(":") else {
            throw DockerValueError("'\(text)' must be host:ip (or host=ip)")
        }
        var address = parts[1]
        if address != "host-gateway" {
            if address.count > 2, address.first == "[", address.last == "]" { address = address.dropFirst().dropLast() }
            guard isIPAddress(address) else { throw DockerValueError("'\(text)': '\(address)' is not an IP address (or host-gateway)") }
        }
        return "\(parts[0]):\(address)"
    }

    /// `--dns-search`: a domain name (or `.`).
    public static func dnsSearch(_ text: String) throws(DockerValueError) -> String {
        var domain = text.trimmingCharacters(in: CharacterSet(charactersIn: " "))
        if domain == "." { return domain }
        if domain.hasSuffix(".") { domain.removeLast() }
        guard domain.contains(where: { $0.isASCII && $0.isLetter }), domain.count < 255,
              domain.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ label in
                  guard let first = label.first, let last = label.last else { return false }
                  return first.isASCII && (first.isLetter || first.isNumber) && last.isASCII && (last.isLetter || last.isNumber)
                      && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
              })
        else { throw DockerValueError("'\(text)' is not a valid domain") }
        return domain
    }

    /// `--link name[:alias]` (a leading `/` allowed on the name).
    public static func link(_ text: String) throws(DockerValueError) -> String {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard !text.isEmpty, parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw DockerValueError("'\(text)' must be name or name:alias")
        }
        return text
    }

    /// A container name as the Engine allows it: `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (a leading `/` allowed).
    public static func containerName(_ text: String) throws(DockerValueError) -> String {
        let name = text.hasPrefix("/") ? text.dropFirst() : text[...]
        guard name.count >= 2, let first = name.first, first.isASCII, first.isLetter || first.isNumber,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
        else { throw DockerValueError("'\(text)' is not a valid container name: [a-zA-Z0-9][a-zA-Z0-9_.-]+") }
        return String(name)
    }

    // MARK: - Networks

    /// One `--network` value: a network name (`bridge`, `host`, `none`, `container:<name|id>`, a
    /// user-defined network) or the long syntax `name=…,alias=…,ip=…,ip6=…,mac-address=…,link-local-ip=…,driver-opt=k=v,gw-priority=n`.
    public struct NetworkAttachment: Hashable, Sendable {
        public var target: String
        public var aliases: [String] = []
        public var ipv4: String?
        public var ipv6: String?
        public var linkLocalIPs: [String] = []
        public var macAddress: String?
        public var driverOptions: [String: String] = [:]
        public var gatewayPriority: Int?

        public init(target: String) { self.target = target }

        /// Whether `target` is a user-defined network (not `bridge`, `host`, `none`, `default` or
        /// `container:…`): only those take aliases, static addresses and name resolution.
        public var isUserDefined: Bool { Self.isUserDefined(target) }

        /// See ``isUserDefined``.
        public static func isUserDefined(_ mode: String) -> Bool {
            !["bridge", "host", "none", "default"].contains(mode) && !mode.hasPrefix("container:")
        }
    }

    /// Parses a `--network` value.
    public static func network(_ text: String) throws(DockerValueError) -> NetworkAttachment {
        guard text.contains(where: { $0 == "=" }) && isLongSyntax(text) else {
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw DockerValueError("no network name given") }
            if text.hasPrefix("container:") && text.count == "container:".count {
                throw DockerValueError("'\(text)' must be container:<name|id>")
            }
            return NetworkAttachment(target: text)
        }
        var attachment = NetworkAttachment(target: "")
        for field in try csvFields(text) {
            let (rawKey, rawValue) = split(field.lowercased())
            guard let rawValue, !rawKey.isEmpty else { throw DockerValueError("invalid field '\(field)' in '\(text)'") }
            let key = rawKey.trimmingCharacters(in: .whitespaces), value = rawValue.trimmingCharacters(in: .whitespaces)
            switch key {
            case "name": attachment.target = value
            case "alias": attachment.aliases.append(value)
            case "ip": attachment.ipv4 = try ipAddress(value)
            case "ip6": attachment.ipv6 = try ipAddress(value)
            case "mac-address": attachment.macAddress = try macAddress(value)
            case "link-local-ip": attachment.linkLocalIPs.append(try ipAddress(value))
            case "driver-opt":
                let option = try keyValue(value)
                attachment.driverOptions[option.key.trimmingCharacters(in: .whitespaces)] = option.value.trimmingCharacters(in: .whitespaces)
            case "gw-priority":
                guard let priority = Int(value) else { throw DockerValueError("invalid gw-priority '\(value)' in '\(text)'") }
                attachment.gatewayPriority = priority
            default:
                throw DockerValueError("invalid field key '\(key)' in '\(text)' (name, alias, ip, ip6, mac-address, link-local-ip, driver-opt, gw-priority)")
            }
        }
        guard !attachment.target.isEmpty else { throw DockerValueError("'\(text)': network name/id is not specified") }
        return attachment
    }

    /// The CLI's test for the long syntax: somewhere a word character, `=`, a word character.
    private static func isLongSyntax(_ text: String) -> Bool {
        let chars = Array(text)
        func word(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        return chars.indices.contains { i in chars[i] == "=" && i > 0 && i + 1 < chars.count && word(chars[i - 1]) && word(chars[i + 1]) }
    }

    // MARK: - Ports

    /// One published port: the container port key (`80/tcp`) and where it is bound on the host.
    public struct PortBinding: Hashable, Sendable {
        /// `<port>/<protocol>`, as the Engine's `ExposedPorts` and `PortBindings` keys.
        public var port: String
        /// Empty: every address.
        public var hostIP: String
        /// Empty: an ephemeral port; may be a range (`8000-8010`) for a single container port.
        public var hostPort: String
    }

    /// `--publish [ip:][hostPort:]containerPort[/proto]` (ranges allowed) or the long syntax
    /// `published=8080,target=80,protocol=udp`.
    public static func publish(_ text: String) throws(DockerValueError) -> [PortBinding] {
        var spec = text
        if text.contains("=") {
            var fields = ["protocol": "tcp"]
            for field in text.split(separator: ",", omittingEmptySubsequences: false) {
                let (key, value) = split(String(field))
                guard let value, !key.isEmpty else { throw DockerValueError("invalid publish option '\(field)': should be name=value") }
                fields[key] = value
            }
            spec = "\(fields["published"] ?? ""):\(fields["target"] ?? "")/\(fields["protocol"] ?? "tcp")"
        }
        var parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let containerPart = parts.removeLast()
        let hostPort = parts.popLast() ?? ""
        var hostIP = parts.joined(separator: ":")
        if hostIP.hasPrefix("["), hostIP.hasSuffix("]") { hostIP = String(hostIP.dropFirst().dropLast()) }
        guard hostIP.isEmpty || isIPAddress(hostIP[...]) else { throw DockerValueError("'\(text)': invalid IP address '\(hostIP)'") }
        let (proto, containerPorts) = try protoPort(containerPart, in: text)
        guard !containerPorts.isEmpty else { throw DockerValueError("'\(text)': no container port given") }
        let (start, end) = try portRange(containerPorts, what: "container port", in: text)
        guard start > 0 else { throw DockerValueError("'\(text)': container port 0 is not a port") }
        var hostRange: (Int, Int)?
        if !hostPort.isEmpty {
            let range = try portRange(hostPort, what: "host port", in: text)
            if range.1 - range.0 != end - start, end != start {
                throw DockerValueError("'\(text)': the container and host port ranges differ in size")
            }
            hostRange = range
        }
        return (0...(end - start)).map { offset in
            var host = ""
            if let range = hostRange {
                host = start == end && range.0 != range.1 ? "\(range.0)-\(range.1)" : String(range.0 + offset)
            }
            return PortBinding(port: "\(start + offset)/\(proto)", hostIP: hostIP, hostPort: host)
        }
    }

    /// `--expose 80`, `80/udp`, `8000-8010/tcp`: the port keys.
    public static func expose(_ text: String) throws(DockerValueError) -> [String] {
        let (proto, ports) = try protoPort(text, in: text)
        let (start, end) = try portRange(ports, what: "port", in: text)
        guard start > 0 else { throw DockerValueError("'\(text)': port 0 is not a port") }
        return (start...end).map { "\($0)/\(proto)" }
    }

    /// `80/udp` → (`udp`, `80`); no protocol is `tcp`.
    private static func protoPort(_ text: String, in whole: String) throws(DockerValueError) -> (String, String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw DockerValueError("'\(whole)': invalid port/protocol '\(text)'") }
        let proto = parts.count == 2 && !parts[1].isEmpty ? parts[1].lowercased() : "tcp"
        guard ["tcp", "udp", "sctp"].contains(proto) else { throw DockerValueError("'\(whole)': unknown protocol '\(proto)' (tcp, udp or sctp)") }
        return (proto, String(parts[0]))
    }

    /// `80` or `8000-8010`.
    private static func portRange(_ text: String, what: String, in whole: String) throws(DockerValueError) -> (Int, Int) {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count),
              let low = UInt16(bounds[0]), let high = UInt16(bounds[bounds.count - 1]), low <= high
        else { throw DockerValueError("'\(whole)': invalid \(what) '\(text)'") }
        return (Int(low), Int(high))
    }
}

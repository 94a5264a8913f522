import Foundation

/// Where an agent reaches a server's agent port: `host:port`, `host` (port 8090) or `[v6]:port`.
public struct JoinAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// The port of `wharf server --agent-port` when an address names none.
    public static let defaultPort = 8090

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses one address; nil when it is not `host[:port]` with a port in 1-65535. A `tcp://`
    /// prefix is accepted (the URL form).
    public init?(_ text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("tcp://") { rest = rest.dropFirst(6) }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":"), rest.firstIndex(of: ":") == colon {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { return nil }
        var port = Self.defaultPort
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else { return nil }
            port = parsed
        }
        self.host = String(host)
        self.port = port
    }

    /// Parses a comma-separated list (`--join a:8090,b:8090`); nil when any element is invalid or
    /// the list is empty.
    public static func list(_ text: String) -> [JoinAddress]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: true)
        guard !parts.isEmpty else { return nil }
        var addresses: [JoinAddress] = []
        for part in parts {
            guard let address = JoinAddress(String(part)) else { return nil }
            addresses.append(address)
        }
        return addresses
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

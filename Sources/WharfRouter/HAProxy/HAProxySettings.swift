/// Where HAProxy's runtime API (the `stats socket`) listens.
public enum HAProxySocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// A unix socket path (`/run/haproxy/admin.sock`).
    case unix(path: String)
    /// A TCP address (`127.0.0.1:9999`).
    case tcp(host: String, port: Int)

    /// Parses `--socket`: a value containing `/` is a unix path, otherwise `host:port`. Nil when neither.
    public init?(_ text: String) {
        if text.contains("/") {
            self = .unix(path: text)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port), colon != text.startIndex
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self = .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .unix(let path): return path
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

/// What the generated haproxy.cfg looks like apart from the routes. Defaults are documented per field.
public struct HAProxySettings: Sendable, Equatable {
    /// The runtime API socket rendered as `stats socket` (admin level) and used for runtime changes.
    public var socket: HAProxySocketAddress
    /// Port of the shared HTTP frontend (default 80); nil renders no HTTP frontend.
    public var httpPort: Int?
    /// Address the frontends bind to; empty (the default) binds all IPv4 addresses.
    public var bindAddress: String
    /// Global `maxconn` (default 4096).
    public var maxConnections: Int
    /// Health-check interval of every server, in milliseconds (default 2000).
    public var checkIntervalMilliseconds: Int
    /// Global `hard-stop-after` (e.g. `30m`), bounding how long workers of an old config live; nil: unbounded.
    public var hardStopAfter: String?
    /// Whether HAProxy runs on the machine of the Wharf it follows. Then TCP routes whose port
    /// Wharf's own router already listens on (an overlapping address) are left out, since HAProxy
    /// could not bind them. Default false.
    public var sharesHostWithWharf: Bool

    /// Settings with the documented defaults.
    public init(
        socket: HAProxySocketAddress = .unix(path: "/run/haproxy/admin.sock"), httpPort: Int? = 80,
        bindAddress: String = "", maxConnections: Int = 4096, checkIntervalMilliseconds: Int = 2000,
        hardStopAfter: String? = nil, sharesHostWithWharf: Bool = false
    ) {
        self.socket = socket
        self.httpPort = httpPort
        self.bindAddress = bindAddress
        self.maxConnections = maxConnections
        self.checkIntervalMilliseconds = checkIntervalMilliseconds
        self.hardStopAfter = hardStopAfter
        self.sharesHostWithWharf = sharesHostWithWharf
    }

    /// Whether listeners on `a` and `b` collide: equal addresses, or either one is a wildcard
    /// (empty, `*`, `0.0.0.0`, `::`).
    public static func addressesOverlap(_ a: String, _ b: String) -> Bool {
        let wildcards: Set<String> = ["", "*", "0.0.0.0", "::", "[::]"]
        let (x, y) = (a.lowercased(), b.lowercased())
        return wildcards.contains(x) || wildcards.contains(y) || x == y
    }

    /// The options after `server <name> <addr>` (config file and runtime `add server` alike; dynamic
    /// servers ignore `default-server`, so everything is spelled out).
    public var serverOptions: String {
        "check inter \(checkIntervalMilliseconds)ms"
    }
}

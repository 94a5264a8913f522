/// The desired HAProxy state derived from Wharf's routes: backends with their servers, the HTTP
/// frontend's rules in evaluation order and one TCP frontend per service port. Deterministic: the
/// same routes in any order give an equal layout. Routes HAProxy could not accept are dropped with
/// a warning rather than breaking the whole config.
public struct HAProxyLayout: Sendable, Equatable {
    /// A backend server: one healthy instance.
    public struct Server: Sendable, Hashable {
        public var name: String
        public var host: String
        public var port: Int
        /// The Wharf instance id it was named after.
        public var instanceId: String
    }

    /// Whether a backend proxies HTTP requests or raw TCP connections.
    public enum Mode: String, Sendable {
        case http, tcp
    }

    /// One backend per route (HTTP routes of the same app port share it).
    public struct Backend: Sendable, Equatable {
        public var name: String
        public var mode: Mode
        /// The `balance` algorithm, always one that allows runtime `add server`.
        public var balance: String
        /// Whether `hash-type consistent` is needed (hash algorithms; dynamic servers require it).
        public var consistentHash: Bool
        /// Sorted by name.
        public var servers: [Server]
    }

    /// A `use_backend` rule of the HTTP frontend.
    public struct HTTPRule: Sendable, Equatable {
        /// Prefix of this rule's ACL names.
        public var aclName: String
        /// Exact host names (lowercased); empty with no wildcards: any host.
        public var hosts: [String]
        /// Suffixes (`.example.com`) from `*.example.com` hosts.
        public var hostSuffixes: [String]
        public var pathPrefix: String
        public var backend: String
    }

    /// A TCP frontend on a service port.
    public struct TCPFrontend: Sendable, Equatable {
        public var name: String
        public var port: Int
        public var backend: String
    }

    /// Sorted by name.
    public var backends: [Backend]
    /// In evaluation order: host rules before any-host rules, longer paths first.
    public var httpRules: [HTTPRule]
    /// Sorted by port.
    public var tcpFrontends: [TCPFrontend]
    /// Options of every server line and runtime `add server` (`HAProxySettings.serverOptions`).
    public var serverOptions: String
    /// Routes or values that were dropped or changed, for the log.
    public var warnings: [String]

    /// The layout without servers: two layouts with equal structure differ only in servers, which the
    /// runtime API can change without a reload.
    public var structure: HAProxyLayout {
        var copy = self
        copy.warnings = []
        for index in copy.backends.indices { copy.backends[index].servers = [] }
        return copy
    }

    /// The backend named `name`.
    public func backend(named name: String) -> Backend? {
        backends.first { $0.name == name }
    }
}

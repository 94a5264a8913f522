import Foundation

/// Wharf's route table as served by `GET /v1/wharf/routes`: what `wharf haproxy` turns into
/// haproxy.cfg and runtime API commands. Missing optional fields decode to their defaults, so older
/// or newer servers that add fields still decode.
public struct HAProxyRoutes: Codable, Sendable, Equatable {
    /// Consul-style change index: it grows whenever the table changes.
    public var index: UInt64
    /// Routes served on the shared HTTP frontend, by host and path prefix.
    public var http: [HTTPRoute]
    /// Routes served on their own TCP service port.
    public var tcp: [TCPRoute]
    /// The address on which Wharf's own router already listens on every TCP route's port; nil
    /// when it serves no TCP routes (router off, or `wharf dev --tcp-routes false`).
    public var routerTCPBind: String?

    /// Creates a route table (mostly for tests; the command decodes it from JSON).
    public init(index: UInt64 = 0, http: [HTTPRoute] = [], tcp: [TCPRoute] = [], routerTCPBind: String? = nil) {
        self.index = index
        self.http = http
        self.tcp = tcp
        self.routerTCPBind = routerTCPBind
    }

    private enum CodingKeys: String, CodingKey {
        case index, http, tcp
        case routerTCPBind = "routerTcpBind"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        index = try container.decodeIfPresent(UInt64.self, forKey: .index) ?? 0
        http = try container.decodeIfPresent([HTTPRoute].self, forKey: .http) ?? []
        tcp = try container.decodeIfPresent([TCPRoute].self, forKey: .tcp) ?? []
        routerTCPBind = try container.decodeIfPresent(String.self, forKey: .routerTCPBind)
    }

    /// One running, healthy instance's address for a route.
    public struct Endpoint: Codable, Sendable, Hashable {
        /// The instance id (`shop_web.instance-<uuid>`); the HAProxy server name is derived from it.
        public var id: String
        public var host: String
        public var port: Int

        /// Creates an endpoint.
        public init(id: String, host: String, port: Int) {
            self.id = id
            self.host = host
            self.port = port
        }
    }

    /// An app port exposed on the HTTP frontend for a set of hosts (empty: any host) and a path prefix.
    public struct HTTPRoute: Codable, Sendable, Equatable {
        /// Route name chosen by Wharf (`shop-web`); backend names are derived from it.
        public var name: String
        /// The app id (`/shop/web`).
        public var app: String
        /// Which of the app's ports this route serves.
        public var portIndex: Int
        /// Host names matched case-insensitively, without port; `*.example.com` matches subdomains.
        public var hosts: [String]
        /// Request paths that begin with this string match (`/` matches all).
        public var pathPrefix: String
        /// HAProxy `balance` algorithm.
        public var balance: String
        public var backends: [Endpoint]

        /// Creates an HTTP route.
        public init(
            name: String, app: String, portIndex: Int = 0, hosts: [String] = [], pathPrefix: String = "/",
            balance: String = "roundrobin", backends: [Endpoint] = []
        ) {
            self.name = name
            self.app = app
            self.portIndex = portIndex
            self.hosts = hosts
            self.pathPrefix = pathPrefix
            self.balance = balance
            self.backends = backends
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            app = try container.decodeIfPresent(String.self, forKey: .app) ?? name
            portIndex = try container.decodeIfPresent(Int.self, forKey: .portIndex) ?? 0
            hosts = try container.decodeIfPresent([String].self, forKey: .hosts) ?? []
            pathPrefix = try container.decodeIfPresent(String.self, forKey: .pathPrefix) ?? "/"
            balance = try container.decodeIfPresent(String.self, forKey: .balance) ?? "roundrobin"
            backends = try container.decodeIfPresent([Endpoint].self, forKey: .backends) ?? []
        }
    }

    /// An app port exposed as plain TCP on its service port.
    public struct TCPRoute: Codable, Sendable, Equatable {
        public var name: String
        public var app: String
        /// The service port HAProxy listens on.
        public var port: Int
        /// HAProxy `balance` algorithm.
        public var balance: String
        public var backends: [Endpoint]

        /// Creates a TCP route.
        public init(name: String, app: String, port: Int, balance: String = "roundrobin", backends: [Endpoint] = []) {
            self.name = name
            self.app = app
            self.port = port
            self.balance = balance
            self.backends = backends
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            app = try container.decodeIfPresent(String.self, forKey: .app) ?? name
            port = try container.decode(Int.self, forKey: .port)
            balance = try container.decodeIfPresent(String.self, forKey: .balance) ?? "roundrobin"
            backends = try container.decodeIfPresent([Endpoint].self, forKey: .backends) ?? []
        }
    }
}

import WharfModel

/// Whether an endpoint may receive traffic, in Consul's words.
public enum CatalogHealth: String, Codable, Hashable, Sendable {
    /// Running, not being stopped, every health and readiness check passed (or the app has none).
    case passing
    /// Running but not (yet) known healthy: checks failing or not passed yet.
    case critical
}

/// One running instance of an app as seen through one of its ports.
public struct CatalogEndpoint: Codable, Hashable, Sendable {
    /// The instance id (`shop_web.instance-…`): Consul's `ServiceID`, unique per service.
    public var instanceId: String
    /// Marathon's task id of the running incarnation.
    public var taskId: String
    /// The agent it runs on: Consul's node name.
    public var node: String
    /// The address clients connect to (the agent's advertised host).
    public var address: String
    /// The host port of this service's port index; 0 when the app has no ports.
    public var port: Int
    public var health: CatalogHealth
    /// Why it is not passing (or "ok"), for Consul's check `Output`.
    public var output: String

    public init(instanceId: String, taskId: String, node: String, address: String, port: Int,
                health: CatalogHealth, output: String) {
        self.instanceId = instanceId
        self.taskId = taskId
        self.node = node
        self.address = address
        self.port = port
        self.health = health
        self.output = output
    }
}

/// How an app port wants HTTP traffic routed to it, from labels.
public struct HTTPRouteRule: Codable, Hashable, Sendable {
    /// Host names (lower case, without port); empty = any host.
    public var hosts: [String]
    /// Path prefixes; at least one ("/" = everything).
    public var paths: [String]

    public init(hosts: [String], paths: [String]) {
        self.hosts = hosts
        self.paths = paths
    }
}

/// One service of the catalog: one port of one app (or a port-less app), with its running instances.
public struct CatalogService: Codable, Hashable, Sendable {
    /// Consul's service name: the app id without its leading `/`, other `/` as `-`, plus
    /// `-<port name or index>` for ports after the first; labels can override it.
    public var name: String
    public var appId: PathId
    /// Index of the port in `portDefinitions` / `portMappings`; nil for an app without ports.
    public var portIndex: Int?
    /// The port's name, when it has one.
    public var portName: String?
    /// Marathon's service port (0 when none was assigned).
    public var servicePort: Int
    /// `tcp`, `udp` or `udp,tcp`.
    public var portProtocol: String
    /// Whether the instances themselves listen on the service port (`requirePorts`, or a mapping
    /// whose host port is the service port): then no router may listen there.
    public var servicePortIsHostPort: Bool = false
    public var tags: [String]
    /// The app's (and port's) labels, for Consul's `ServiceMeta`.
    public var meta: [String: String]
    /// HTTP routes asked for by labels, already validated.
    public var httpRoutes: [HTTPRouteRule]
    /// Why a route label was rejected; shown in the app's status and logged.
    public var routeErrors: [String]
    /// Every running instance not being stopped, passing or not, sorted by instance id.
    public var endpoints: [CatalogEndpoint]

    public init(name: String, appId: PathId, portIndex: Int?, portName: String?, servicePort: Int, portProtocol: String,
                tags: [String], meta: [String: String], httpRoutes: [HTTPRouteRule], routeErrors: [String],
                endpoints: [CatalogEndpoint]) {
        self.name = name
        self.appId = appId
        self.portIndex = portIndex
        self.portName = portName
        self.servicePort = servicePort
        self.portProtocol = portProtocol
        self.tags = tags
        self.meta = meta
        self.httpRoutes = httpRoutes
        self.routeErrors = routeErrors
        self.endpoints = endpoints
    }

    /// The endpoints that may receive traffic.
    public var passing: [CatalogEndpoint] { endpoints.filter { $0.health == .passing } }

    /// Whether TCP traffic to `servicePort` should be relayed to this service's endpoints.
    public var routesTCP: Bool { servicePort > 0 && portIndex != nil && portProtocol.contains("tcp") && !servicePortIsHostPort }
}

import WharfDiscovery

/// What the Consul API and `/v1/wharf/routes` answer from: a catalog (the control plane's, or an
/// agent's mirror of it) and who answers.
public struct DiscoverySource: Sendable {
    public let catalog: Catalog
    /// How route labels and the router's domain are read (for `/v1/wharf/routes`).
    public let discovery: DiscoveryConfiguration
    /// The catalog's datacenter (a mirror learns it from the control plane).
    public var datacenter: String { catalog.snapshot.datacenter }
    /// This node's name and address in `/v1/agent/self`.
    public let nodeName: String
    public let address: String
    public let port: Int
    /// `host:port` of the control plane's API (`/v1/status/leader` and `peers`).
    public let leader: @Sendable () -> String

    public init(catalog: Catalog, discovery: DiscoveryConfiguration, nodeName: String,
                address: String, port: Int, leader: @escaping @Sendable () -> String) {
        self.catalog = catalog
        self.discovery = discovery
        self.nodeName = nodeName
        self.address = address
        self.port = port
        self.leader = leader
    }
}

extension ControlPlane {
    /// The control plane's own catalog, answered as the server named `wharf`.
    public nonisolated var discoverySource: DiscoverySource {
        let configuration = self.configuration
        let leader = SystemRoutes.leaderAddress(configuration)
        return DiscoverySource(catalog: catalog, discovery: configuration.discovery, nodeName: "wharf",
                               address: configuration.advertisedHost, port: configuration.apiPort, leader: { leader })
    }
}

/// One request to a Consul route.
struct ConsulCall: Sendable {
    /// Values of the template's placeholders (`service`).
    let parameters: [String: String]
    let query: QueryParameters
    let source: DiscoverySource

    func parameter(_ name: String) -> String { parameters[name] ?? "" }
}

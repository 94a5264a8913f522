import WharfModel

/// An agent as Consul's node: where endpoints live.
public struct CatalogNode: Codable, Hashable, Sendable {
    /// The agent id (Consul's `Node` and `ID`).
    public var name: String
    /// The agent's advertised address.
    public var address: String
    public var meta: [String: String]

    public init(name: String, address: String, meta: [String: String] = [:]) {
        self.name = name
        self.address = address
        self.meta = meta
    }
}

/// Everything registered under one service name: usually one port of one app; several when apps or
/// ports share a name (as in Consul, where a name groups any number of registrations).
public struct ServiceEntry: Codable, Hashable, Sendable {
    public var name: String
    /// The registrations, ordered by app id then port index.
    public var parts: [CatalogService]
    /// Catalog index at which the name first appeared.
    public var createIndex: UInt64
    /// Catalog index of the last change to anything under the name.
    public var modifyIndex: UInt64

    /// Every endpoint of every part.
    public var endpoints: [CatalogEndpoint] { parts.flatMap(\.endpoints) }

    /// The union of the parts' tags, sorted.
    public var tags: [String] { Array(Set(parts.flatMap(\.tags))).sorted() }
}

/// One immutable, versioned picture of the catalog. Every consumer (router, DNS, Consul API) reads
/// whole snapshots, so what one request sees is consistent.
public struct CatalogSnapshot: Sendable {
    /// Advances by at least one on every change; never 0 and never lower than before a restart
    /// (it starts from the wall clock in milliseconds), so Consul clients' blocking queries work.
    public internal(set) var index: UInt64
    /// Services by name.
    public internal(set) var services: [String: ServiceEntry]
    /// Index of the last change to the set of service names or their tags (`/v1/catalog/services`).
    public internal(set) var servicesIndex: UInt64
    /// Agents by name.
    public internal(set) var nodes: [String: CatalogNode]
    /// Index of the last change to the nodes (`/v1/catalog/nodes`).
    public internal(set) var nodesIndex: UInt64
    /// When a name last disappeared, so that a query for a removed service blocks until it returns.
    public internal(set) var removedAt: [String: UInt64]
    /// The Consul datacenter this catalog answers for.
    public internal(set) var datacenter: String

    init(index: UInt64, datacenter: String) {
        self.index = index
        self.services = [:]
        self.servicesIndex = index
        self.nodes = [:]
        self.nodesIndex = index
        self.removedAt = [:]
        self.datacenter = datacenter
    }

    /// The index that a query about `name` reports: the service's last change, or when it was
    /// removed, or for a name never seen, the index of the last change to the set of names.
    public func index(ofService name: String) -> UInt64 {
        services[name]?.modifyIndex ?? removedAt[name] ?? servicesIndex
    }

    /// Every registration, in name order.
    public var allServices: [CatalogService] {
        services.keys.sorted().flatMap { services[$0]!.parts }
    }
}

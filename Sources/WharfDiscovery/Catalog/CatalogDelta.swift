import WharfModel

/// What a catalog mirror (an agent's router, DNS and Consul API) needs to go from the snapshot at
/// index `base` to the one at `index`: the services changed since, the names removed since, and the
/// nodes when they changed. `base == 0` is a full copy. Indexes are the source's own, so a blocking
/// query gets the same `X-Consul-Index` from every node.
public struct CatalogDelta: Codable, Hashable, Sendable {
    /// The index the receiver must be at; 0: none (a full copy).
    public var base: UInt64
    public var index: UInt64
    public var servicesIndex: UInt64
    public var nodesIndex: UInt64
    public var datacenter: String
    /// Every service whose `modifyIndex` is above `base` (all of them in a full copy).
    public var services: [ServiceEntry]
    /// Names removed after `base`, with the index they were removed at (none in a full copy: the
    /// copy replaces everything, and a query about a name it lacks reports the services index).
    public var removed: [String: UInt64]
    /// All nodes, when they changed after `base`.
    public var nodes: [CatalogNode]?

    /// Whether this is a full copy rather than changes to apply on top of `base`.
    public var isFull: Bool { base == 0 }
}

extension CatalogSnapshot {
    /// The changes since `base` (a snapshot's `index` the receiver holds), or a full copy when `base`
    /// is 0 or not below this snapshot's index.
    public func delta(since base: UInt64) -> CatalogDelta {
        let full = base == 0 || base >= index
        let from: UInt64 = full ? 0 : base
        return CatalogDelta(
            base: from, index: index, servicesIndex: servicesIndex, nodesIndex: nodesIndex, datacenter: datacenter,
            services: services.values.filter { $0.modifyIndex > from }.sorted { $0.name < $1.name },
            removed: full ? [:] : removedAt.filter { $0.value > from },
            nodes: nodesIndex > from ? nodes.values.sorted { $0.name < $1.name } : nil)
    }
}

extension Catalog {
    /// Makes this catalog (a mirror, never written with `replace`) the source's snapshot at
    /// `delta.index`, waking its watchers. False, and nothing changed, when the delta does not start
    /// at this catalog's index (a full copy always applies): the caller asks for a full copy.
    @discardableResult
    public func apply(_ delta: CatalogDelta) -> Bool {
        mirror { snapshot in
            guard delta.isFull || delta.base == snapshot.index else { return false }
            if delta.isFull {
                snapshot.services = [:]
                snapshot.removedAt = [:]
                snapshot.nodes = [:]
            }
            for entry in delta.services {
                snapshot.services[entry.name] = entry
                snapshot.removedAt[entry.name] = nil
            }
            for (name, at) in delta.removed where (snapshot.services[name]?.modifyIndex ?? 0) < at {
                snapshot.services[name] = nil
                snapshot.removedAt[name] = at
            }
            if let nodes = delta.nodes {
                snapshot.nodes = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
            }
            snapshot.index = delta.index
            snapshot.servicesIndex = delta.servicesIndex
            snapshot.nodesIndex = delta.nodesIndex
            snapshot.datacenter = delta.datacenter
            return true
        }
    }
}

/// A route table compiled for lookup: host → routes (longest prefix first), wildcard routes,
/// and TCP routes by port. Immutable; `RouteStore` swaps whole instances.
final class CompiledRoutes: Sendable {
    let table: RouteTable
    private let byHost: [String: [CompiledRoute]]
    private let wildcard: [CompiledRoute]
    let tcpByPort: [Int: CompiledRoute]
    /// Identities of every backend slot referenced by the table.
    let slotIDs: Set<ObjectIdentifier>

    init(table: RouteTable, slot: (Backend) -> BackendSlot) {
        var byHost: [String: [CompiledRoute]] = [:]
        var wildcard: [CompiledRoute] = []
        var ids = Set<ObjectIdentifier>()
        func slots(_ backends: [Backend]) -> [BackendSlot] {
            var seen = Set<Backend>()
            return backends.compactMap { backend in
                guard seen.insert(backend).inserted else { return nil }
                let slot = slot(backend)
                ids.insert(ObjectIdentifier(slot))
                return slot
            }
        }
        for route in table.http {
            let compiled = CompiledRoute(
                name: route.name,
                pathPrefix: route.pathPrefix.isEmpty ? "/" : route.pathPrefix,
                slots: slots(route.backends),
                balance: route.balance
            )
            if route.hosts.isEmpty {
                wildcard.append(compiled)
            } else {
                for host in Set(route.hosts.map { Self.normalize(host: $0) }) {
                    byHost[host, default: []].append(compiled)
                }
            }
        }
        // Longest prefix first; the sort is stable so earlier routes win ties.
        func ordered(_ routes: [CompiledRoute]) -> [CompiledRoute] {
            routes.enumerated().sorted { lhs, rhs in
                let (left, right) = (lhs.element.pathPrefix.utf8.count, rhs.element.pathPrefix.utf8.count)
                return left != right ? left > right : lhs.offset < rhs.offset
            }.map(\.element)
        }
        var tcpByPort: [Int: CompiledRoute] = [:]
        for route in table.tcp where tcpByPort[route.port] == nil {
            tcpByPort[route.port] = CompiledRoute(
                name: route.name,
                pathPrefix: "",
                slots: slots(route.backends),
                balance: route.balance
            )
        }
        self.table = table
        self.byHost = byHost.mapValues(ordered)
        self.wildcard = ordered(wildcard)
        self.tcpByPort = tcpByPort
        self.slotIDs = ids
    }

    /// The route for a request: routes naming `host` beat wildcard routes; within each group
    /// the longest matching prefix wins. `host` must already be normalized.
    func route(host: String, uri: String) -> CompiledRoute? {
        if !self.byHost.isEmpty, let routes = self.byHost[host] {
            for route in routes where route.matches(uri: uri) { return route }
        }
        for route in self.wildcard where route.matches(uri: uri) { return route }
        return nil
    }

    /// Lower-cases a Host value and strips its port (keeping IPv6 brackets) and a trailing dot.
    static func normalize<S: StringProtocol>(host: S) -> String {
        // Byte-wise (every delimiter is ASCII): Character-wise scanning costs grapheme breaking
        // on each request.
        var name = Substring(host)
        if name.utf8.first == UInt8(ascii: "[") {
            if let close = name.utf8.firstIndex(of: UInt8(ascii: "]")) { name = name[...close] }
        } else if let colon = name.utf8.lastIndex(of: UInt8(ascii: ":")) {
            name = name[..<colon]
        }
        if name.utf8.last == UInt8(ascii: ".") { name = Substring(name.utf8.dropLast()) }
        if name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) {
            return name.lowercased()
        }
        return String(name)
    }
}

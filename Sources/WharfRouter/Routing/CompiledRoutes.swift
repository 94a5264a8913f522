/// A route table compiled for lookup: host → routes (longest prefix first), wildcard routes,
/// and TCP routes by port. Immutable; `RouteStore` swaps whole instances.
///
/// Compiling a table after another one takes over every route whose definition did not change
/// (with its balancer cursor and backend slots), so a change to one route of a table of thousands
/// costs about one route's compilation plus a walk over the routes, not a pass over every backend.
final class CompiledRoutes: Sendable {
    let table: RouteTable
    private let byHost: [String: [CompiledRoute]]
    private let wildcard: [CompiledRoute]
    let tcpByPort: [Int: CompiledRoute]
    /// The compiled route of each entry of `table.http`, in order.
    private let http: [CompiledRoute]
    /// The compiled route of each entry of `table.tcp`, in order (nil for a port that an earlier
    /// entry already took).
    private let tcp: [CompiledRoute?]
    /// Routes compiled for this table rather than taken over from the previous one.
    let fresh: [CompiledRoute]
    /// Routes of the previous table that this one no longer has.
    let dropped: [CompiledRoute]

    /// Compiles `table`, taking unchanged routes over from `previous`; `slots` gives the backend
    /// slots of a route compiled anew (one per distinct backend, in order), with the route of
    /// `previous` it succeeds when there is one (same name, hosts and path or port, other backends):
    /// that one is not listed in `dropped`, its slots are the successor's business.
    init(table: RouteTable, previous: CompiledRoutes? = nil, slots: ([Backend], _ predecessor: CompiledRoute?) -> [BackendSlot]) {
        var fresh: [CompiledRoute] = []
        var reused = Set<ObjectIdentifier>()
        var previousHTTP: [HTTPRouteKey: Int]?
        func compile(_ route: HTTPRoute, at position: Int) -> CompiledRoute {
            var predecessor: CompiledRoute?
            if let previous {
                var match: Int?
                if position < previous.table.http.count, HTTPRouteKey(previous.table.http[position]) == HTTPRouteKey(route) {
                    match = position
                } else {
                    if previousHTTP == nil {
                        var index: [HTTPRouteKey: Int] = [:]
                        for (i, old) in previous.table.http.enumerated() where index[HTTPRouteKey(old)] == nil { index[HTTPRouteKey(old)] = i }
                        previousHTTP = index
                    }
                    match = previousHTTP?[HTTPRouteKey(route)]
                }
                if let match, previous.table.http[match] == route, reused.insert(ObjectIdentifier(previous.http[match])).inserted {
                    return previous.http[match]
                }
                if let match, reused.insert(ObjectIdentifier(previous.http[match])).inserted {
                    predecessor = previous.http[match]
                }
            }
            let compiled = CompiledRoute(name: route.name, pathPrefix: route.pathPrefix.isEmpty ? "/" : route.pathPrefix,
                                         slots: slots(route.backends, predecessor), balance: route.balance)
            fresh.append(compiled)
            return compiled
        }
        var byHost: [String: [CompiledRoute]] = [:]
        var wildcard: [CompiledRoute] = []
        var http: [CompiledRoute] = []
        http.reserveCapacity(table.http.count)
        for (position, route) in table.http.enumerated() {
            let compiled = compile(route, at: position)
            http.append(compiled)
            if route.hosts.isEmpty {
                wildcard.append(compiled)
            } else {
                let hosts = route.hosts.count == 1 ? [Self.normalize(host: route.hosts[0])]
                    : Array(Set(route.hosts.map { Self.normalize(host: $0) }))
                for host in hosts {
                    byHost[host, default: []].append(compiled)
                }
            }
        }
        // Longest prefix first; the sort is stable so earlier routes win ties.
        func ordered(_ routes: [CompiledRoute]) -> [CompiledRoute] {
            guard routes.count > 1 else { return routes }
            return routes.enumerated().sorted { lhs, rhs in
                let (left, right) = (lhs.element.pathPrefix.utf8.count, rhs.element.pathPrefix.utf8.count)
                return left != right ? left > right : lhs.offset < rhs.offset
            }.map(\.element)
        }
        var previousTCP: [Int: Int] = [:]
        for (i, old) in (previous?.table.tcp ?? []).enumerated() where previous?.tcp[i] != nil { previousTCP[old.port] = i }
        var tcpByPort: [Int: CompiledRoute] = [:]
        var tcp: [CompiledRoute?] = []
        tcp.reserveCapacity(table.tcp.count)
        for route in table.tcp {
            guard tcpByPort[route.port] == nil else {
                tcp.append(nil)
                continue
            }
            let compiled: CompiledRoute
            let old = previousTCP[route.port].flatMap { previous?.tcp[$0] }
            if let previous, let i = previousTCP[route.port], previous.table.tcp[i] == route, let old,
               reused.insert(ObjectIdentifier(old)).inserted {
                compiled = old
            } else {
                let predecessor = old.flatMap { reused.insert(ObjectIdentifier($0)).inserted ? $0 : nil }
                compiled = CompiledRoute(name: route.name, pathPrefix: "", slots: slots(route.backends, predecessor), balance: route.balance)
                fresh.append(compiled)
            }
            tcpByPort[route.port] = compiled
            tcp.append(compiled)
        }
        self.table = table
        self.byHost = byHost.mapValues(ordered)
        self.wildcard = ordered(wildcard)
        self.tcpByPort = tcpByPort
        self.http = http
        self.tcp = tcp
        self.fresh = fresh
        self.dropped = ((previous?.http ?? []) + (previous?.tcp.compactMap { $0 } ?? [])).filter {
            !reused.contains(ObjectIdentifier($0))
        }
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

/// What identifies an HTTP route across tables, for taking its compiled form over.
private struct HTTPRouteKey: Hashable {
    let name: String
    let hosts: [String]
    let pathPrefix: String

    init(_ route: HTTPRoute) {
        name = route.name
        hosts = route.hosts
        pathPrefix = route.pathPrefix
    }
}

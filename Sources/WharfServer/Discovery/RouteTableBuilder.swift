import WharfDiscovery
import WharfModel
import WharfRouter

/// Turns catalog snapshots into the edge router's table: HTTP routes from the services' route
/// labels plus `<service>.<routerDomain>` for every app's first port, TCP routes on service ports,
/// backends = passing endpoints only.
struct RouteTableBuilder {
    /// One HTTP route with the app and port it came from (for `/v1/wharf/routes`).
    struct Origin: Hashable {
        var app: PathId
        var portIndex: Int
    }

    /// The routes one catalog service contributes, before services that claim the same host and
    /// path (or service port) are merged.
    struct ServiceRoutes {
        var http: [(key: String, route: HTTPRoute, origin: Origin)] = []
        var tcp: (route: TCPRoute, origin: Origin)?
    }

    /// The routes built from each service name at its last `modifyIndex`, so that the table of a
    /// new snapshot costs the services that changed plus a walk over the names, not a pass over
    /// every endpoint.
    struct Cache {
        fileprivate var services: [String: (modifyIndex: UInt64, routes: [ServiceRoutes])] = [:]
        /// The names in order, as of a `servicesIndex` (names change only with it).
        fileprivate var names: (index: UInt64, sorted: [String])?
    }

    let configuration: DiscoveryConfiguration

    /// The router's table for `snapshot`, reusing what `cache` holds from earlier snapshots.
    func table(_ snapshot: CatalogSnapshot, cache: inout Cache) -> RouteTable {
        let built = build(snapshot, cache: &cache)
        return RouteTable(version: snapshot.index, http: built.http.map(\.route), tcp: built.tcp.map(\.route))
    }

    /// The router's table for `snapshot`.
    func table(_ snapshot: CatalogSnapshot) -> RouteTable {
        var cache = Cache()
        return table(snapshot, cache: &cache)
    }

    /// The table as JSON, with each route's app and port index, for external load balancers, and
    /// `routerTcpBind`, the address on which Wharf's own router listens on every TCP route's port
    /// (absent when it serves no TCP routes), so that a load balancer on the same host can leave
    /// those ports alone.
    func json(_ snapshot: CatalogSnapshot) -> [UInt8] {
        var cache = Cache()
        let built = build(snapshot, cache: &cache)
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("index"); w.int64(Int64(snapshot.index))
        if configuration.routerPort != nil, configuration.tcpRoutes {
            w.key("routerTcpBind"); w.string(configuration.routerBind)
        }
        w.key("http")
        w.beginArray()
        for (route, origin) in built.http {
            w.beginObject()
            w.key("name"); w.string(route.name)
            w.key("app"); w.pathId(origin.app)
            w.key("portIndex"); w.int(origin.portIndex)
            w.key("hosts"); w.stringArray(route.hosts)
            w.key("pathPrefix"); w.string(route.pathPrefix)
            w.key("balance"); w.string(route.balance.rawValue)
            w.key("backends"); backends(route.backends, into: &w)
            w.endObject()
        }
        w.endArray()
        w.key("tcp")
        w.beginArray()
        for (route, origin) in built.tcp {
            w.beginObject()
            w.key("name"); w.string(route.name)
            w.key("app"); w.pathId(origin.app)
            w.key("portIndex"); w.int(origin.portIndex)
            w.key("port"); w.int(route.port)
            w.key("balance"); w.string(route.balance.rawValue)
            w.key("backends"); backends(route.backends, into: &w)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    private func backends(_ list: [Backend], into w: inout JSONWriter) {
        w.beginArray()
        for backend in list {
            w.beginObject()
            w.key("id"); w.string(backend.id)
            w.key("host"); w.string(backend.host)
            w.key("port"); w.int(backend.port)
            w.endObject()
        }
        w.endArray()
    }

    /// Routes in a stable order. Services that claim the same host and path (or the same service
    /// port) share one route whose backends are all of theirs, as blue/green apps need.
    private func build(_ snapshot: CatalogSnapshot, cache: inout Cache) -> (http: [(route: HTTPRoute, origin: Origin)], tcp: [(route: TCPRoute, origin: Origin)]) {
        var http: [(route: HTTPRoute, origin: Origin)] = []
        var httpIndex: [String: Int] = [:]
        var tcp: [(route: TCPRoute, origin: Origin)] = []
        var tcpIndex: [Int: Int] = [:]
        let names: [String]
        if let cached = cache.names, cached.index == snapshot.servicesIndex, cached.sorted.count == snapshot.services.count {
            names = cached.sorted
        } else {
            names = snapshot.services.keys.sorted()
            cache.names = (snapshot.servicesIndex, names)
            cache.services = cache.services.filter { snapshot.services[$0.key] != nil }
        }
        for name in names {
            guard let entry = snapshot.services[name] else { continue }
            let pieces: [ServiceRoutes]
            if let cached = cache.services[name], cached.modifyIndex == entry.modifyIndex {
                pieces = cached.routes
            } else {
                pieces = entry.parts.map(routes(of:))
                cache.services[name] = (entry.modifyIndex, pieces)
            }
            for piece in pieces {
                for (key, route, origin) in piece.http {
                    if let existing = httpIndex[key] {
                        http[existing].route.backends += route.backends
                    } else {
                        httpIndex[key] = http.count
                        http.append((route, origin))
                    }
                }
                if let (route, origin) = piece.tcp {
                    if let existing = tcpIndex[route.port] {
                        tcp[existing].route.backends += route.backends
                    } else {
                        tcpIndex[route.port] = tcp.count
                        tcp.append((route, origin))
                    }
                }
            }
        }
        return (http, tcp)
    }

    /// The routes `service` asks for, with its passing endpoints as backends.
    private func routes(of service: CatalogService) -> ServiceRoutes {
        var pieces = ServiceRoutes()
        guard let portIndex = service.portIndex, service.portProtocol.contains("tcp"), isInGroup(service) else { return pieces }
        let origin = Origin(app: service.appId, portIndex: portIndex)
        let backends = service.passing.filter { $0.port > 0 }.map { Backend(id: $0.instanceId, host: $0.address, port: $0.port) }
        let balance = balance(of: service)
        var rules = service.httpRoutes
        if portIndex == 0, let domain = configuration.routerDomain, !domain.isEmpty {
            rules.append(HTTPRouteRule(hosts: ["\(service.name).\(domain)"], paths: ["/"]))
        }
        var indexByKey: [String: Int] = [:]
        for rule in rules {
            for path in rule.paths {
                let key = rule.hosts.sorted().joined(separator: ",") + " " + path
                if let existing = indexByKey[key] {
                    pieces.http[existing].route.backends += backends
                } else {
                    indexByKey[key] = pieces.http.count
                    pieces.http.append((key, HTTPRoute(name: service.name, hosts: rule.hosts, pathPrefix: path, backends: backends, balance: balance), origin))
                }
            }
        }
        if configuration.tcpRoutes, service.routesTCP {
            pieces.tcp = (TCPRoute(name: service.name, port: service.servicePort, backends: backends, balance: balance), origin)
        }
        return pieces
    }

    /// marathon-lb's `HAPROXY_{n}_BALANCE` or `wharf.balance`: `leastconn`, else round-robin.
    private func balance(of service: CatalogService) -> BalanceStrategy {
        let n = service.portIndex ?? 0
        let value = service.meta["HAPROXY_\(n)_BALANCE"] ?? service.meta["wharf.balance"]
        return value?.lowercased() == "leastconn" ? .leastConnections : .roundRobin
    }

    /// Whether the router serves this service under `--router-group` (marathon-lb's `HAPROXY_GROUP`).
    private func isInGroup(_ service: CatalogService) -> Bool {
        guard !configuration.routerGroups.isEmpty, !configuration.routerGroups.contains("*") else { return true }
        let n = service.portIndex ?? 0
        guard let group = service.meta["HAPROXY_\(n)_GROUP"] ?? service.meta["HAPROXY_GROUP"] else { return false }
        return configuration.routerGroups.contains(group)
    }
}

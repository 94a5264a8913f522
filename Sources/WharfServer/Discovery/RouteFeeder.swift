import Logging
import ServiceLifecycle
import WharfDiscovery
import WharfRouter

/// Keeps the edge router's table in step with the catalog: every catalog change becomes a new
/// table, swapped in atomically (no restart, no reload), and the routing barrier learns which
/// catalog index the router serves. Unchanged tables are not re-sent, except every
/// `retryInterval` while a TCP route's port could not be bound, so that it is bound once free.
struct RouteFeeder: Service {
    let catalog: Catalog
    let router: EdgeRouter
    let builder: RouteTableBuilder
    let barrier: RoutingBarrier
    let logger: Logger
    let retryInterval: Duration
    /// Ports of TCP routes whose listener could not be bound.
    private let unbound = LockedValue<Set<Int>>([])

    /// Feeds `router` from `catalog`; call before the router runs (it registers for listener reports).
    init(catalog: Catalog, router: EdgeRouter, builder: RouteTableBuilder, barrier: RoutingBarrier, logger: Logger,
         retryInterval: Duration = .seconds(5)) {
        self.catalog = catalog
        self.router = router
        self.builder = builder
        self.barrier = barrier
        self.logger = logger
        self.retryInterval = retryInterval
        let unbound = unbound
        router.onListenerStatus { name, port, error in
            if let error {
                unbound.withLock { _ = $0.insert(port) }
                logger.warning("TCP route cannot listen", metadata: ["service": "\(name)", "port": "\(port)", "error": "\(error)"])
            } else {
                let recovered = unbound.withLock { $0.remove(port) != nil }
                logger.info(recovered ? "TCP route listening again" : "TCP route listening",
                            metadata: ["service": "\(name)", "port": "\(port)"])
            }
        }
    }

    func run() async throws {
        barrier.attach()
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await follow() }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: retryInterval)
                        // Re-sending the current table makes the router try its failed binds again.
                        let routed = Set(router.table.tcp.map(\.port))
                        let pending = unbound.withLock { ports in
                            ports.formIntersection(routed) // routes removed meanwhile need no retry
                            return !ports.isEmpty
                        }
                        if pending, !Task.isCancelled { router.update(router.table) }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    private func follow() async {
        var last: RouteTable?
        var reportedErrors: [String: [String]] = [:]
        for await snapshot in catalog.changes() {
            var table = builder.table(snapshot)
            let version = table.version
            table.version = last?.version ?? 0
            if table != last {
                table.version = version
                router.update(table)
                last = table
                logger.debug("route table updated", metadata: [
                    "version": "\(version)", "http": "\(table.http.count)", "tcp": "\(table.tcp.count)",
                ])
            }
            barrier.applied(snapshot.index)
            reportRouteErrors(snapshot, reported: &reportedErrors)
        }
    }

    /// Logs each service's rejected route labels once per change of them.
    private func reportRouteErrors(_ snapshot: CatalogSnapshot, reported: inout [String: [String]]) {
        var current: [String: [String]] = [:]
        for service in snapshot.allServices where !service.routeErrors.isEmpty {
            let key = "\(service.appId)#\(service.portIndex ?? 0)"
            current[key] = service.routeErrors
            if reported[key] != service.routeErrors {
                for error in service.routeErrors {
                    logger.warning("route rejected", metadata: ["app": "\(service.appId)", "service": "\(service.name)", "reason": "\(error)"])
                }
            }
        }
        reported = current
    }
}

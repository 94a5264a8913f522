import Logging
import ServiceLifecycle
import WharfDiscovery
import WharfRouter

/// Keeps the edge router's table in step with the catalog: every catalog change becomes a new
/// table, swapped in atomically (no restart, no reload), and the routing barrier learns which
/// catalog index the router serves. Unchanged tables are not re-sent, except every
/// `retryInterval` while a TCP route's port could not be bound, so that it is bound once free.
/// Which service ports cannot be bound, and why, goes to `onListenerErrors` on every change.
struct RouteFeeder: Service {
    let catalog: Catalog
    let router: EdgeRouter
    let builder: RouteTableBuilder
    let barrier: RoutingBarrier
    let logger: Logger
    let retryInterval: Duration
    /// Receives every service port of a TCP route that cannot be bound, with why, whenever that changes.
    let onListenerErrors: @Sendable ([Int: String]) async -> Void
    /// Ports of TCP routes whose listener could not be bound, with why.
    private let unbound = LockedValue<[Int: String]>([:])
    private let errorChanges: AsyncStream<[Int: String]>
    private let errorContinuation: AsyncStream<[Int: String]>.Continuation

    /// Feeds `router` from `catalog`; call before the router runs (it registers for listener reports).
    init(catalog: Catalog, router: EdgeRouter, builder: RouteTableBuilder, barrier: RoutingBarrier, logger: Logger,
         retryInterval: Duration = .seconds(5), onListenerErrors: @escaping @Sendable ([Int: String]) async -> Void = { _ in }) {
        self.catalog = catalog
        self.router = router
        self.builder = builder
        self.barrier = barrier
        self.logger = logger
        self.retryInterval = retryInterval
        self.onListenerErrors = onListenerErrors
        (errorChanges, errorContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (unbound, changes) = (unbound, errorContinuation)
        let seconds = retryInterval.components.seconds
        router.onListenerStatus { name, port, error in
            if let error {
                let message = "service port \(port): \(error); the router tries again every \(seconds) s (free the port, "
                    + "give the app another servicePort, or start wharf dev with other --service-ports or --tcp-routes false)"
                // Yielded under the lock: listeners report from several event loops, and the newest
                // snapshot must be the one delivered last.
                unbound.withLock { ports in
                    ports[port] = message
                    changes.yield(ports)
                }
                logger.warning("TCP route cannot listen", metadata: ["service": "\(name)", "port": "\(port)", "error": "\(error)"])
            } else {
                let recovered = unbound.withLock { ports in
                    let recovered = ports.removeValue(forKey: port) != nil
                    if recovered { changes.yield(ports) }
                    return recovered
                }
                logger.info(recovered ? "TCP route listening again" : "TCP route listening",
                            metadata: ["service": "\(name)", "port": "\(port)"])
            }
        }
    }

    func run() async throws {
        barrier.attach(RoutingBarrier.localRouter)
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await follow() }
                group.addTask {
                    for await errors in errorChanges { await onListenerErrors(errors) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: retryInterval)
                        // Re-sending the current table makes the router try its failed binds again.
                        if forgetRemovedRoutes(), !Task.isCancelled { router.update(router.table) }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Drops failed ports whose route is gone (they need no retry and are nobody's error any
    /// more); returns whether failed ports remain.
    @discardableResult
    private func forgetRemovedRoutes() -> Bool {
        let routed = Set(router.table.tcp.map(\.port))
        let continuation = errorContinuation
        return unbound.withLock { ports in
            let before = ports.count
            ports = ports.filter { routed.contains($0.key) }
            if ports.count != before { continuation.yield(ports) }
            return !ports.isEmpty
        }
    }

    private func follow() async {
        var last: RouteTable?
        var reportedErrors: [String: [String]] = [:]
        var cache = RouteTableBuilder.Cache()
        let clock = ContinuousClock()
        for await snapshot in catalog.changes() {
            let started = clock.now
            var table = builder.table(snapshot, cache: &cache)
            let version = table.version
            table.version = last?.version ?? 0
            if table != last {
                table.version = version
                router.update(table)
                last = table
                forgetRemovedRoutes()
                logger.debug("route table updated", metadata: [
                    "version": "\(version)", "http": "\(table.http.count)", "tcp": "\(table.tcp.count)",
                ])
            }
            barrier.applied(snapshot.index, by: RoutingBarrier.localRouter)
            reportRouteErrors(snapshot, reported: &reportedErrors)
            // At most half of a core: after an update that took t, the next waits t (up to 25 ms),
            // during which further changes coalesce into one. With thousands of routes and
            // hundreds of changes a second, the router stays a few milliseconds behind rather
            // than taking a core from the control plane.
            let spent = clock.now - started
            if spent > .milliseconds(1) { try? await Task.sleep(for: min(spent, .milliseconds(25))) }
        }
    }

    /// Logs each service's rejected route labels once per change of them.
    private func reportRouteErrors(_ snapshot: CatalogSnapshot, reported: inout [String: [String]]) {
        var current: [String: [String]] = [:]
        for service in snapshot.services.values.lazy.flatMap(\.parts) where !service.routeErrors.isEmpty {
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

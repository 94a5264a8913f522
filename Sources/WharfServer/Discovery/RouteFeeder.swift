import Logging
import ServiceLifecycle
import WharfDiscovery
import WharfRouter

/// Keeps the edge router's table in step with the catalog: every catalog change becomes a new
/// table, swapped in atomically (no restart, no reload). Unchanged tables are not re-sent.
struct RouteFeeder: Service {
    let catalog: Catalog
    let router: EdgeRouter
    let builder: RouteTableBuilder
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
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
                reportRouteErrors(snapshot, reported: &reportedErrors)
            }
        }
    }

    /// Logs each service's rejected route labels once per change of them.
    private func reportRouteErrors(_ snapshot: CatalogSnapshot, reported: inout [String: [String]]) {
        var current: [String: [String]] = [:]
        for service in snapshot.allServices where !service.routeErrors.isEmpty {
            current["\(service.appId)#\(service.portIndex ?? 0)"] = service.routeErrors
            if reported["\(service.appId)#\(service.portIndex ?? 0)"] != service.routeErrors {
                for error in service.routeErrors {
                    logger.warning("route rejected", metadata: ["app": "\(service.appId)", "service": "\(service.name)", "reason": "\(error)"])
                }
            }
        }
        reported = current
    }
}

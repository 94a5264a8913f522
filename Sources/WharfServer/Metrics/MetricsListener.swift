import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WharfMetrics

/// The HTTP listener of a `wharf agent`'s metrics (`--metrics-port`): `GET /metrics` (and Marathon's
/// `/metrics/prometheus`) from the node's registry; nothing else is served.
enum MetricsListener {
    static func application(metrics: MetricsRegistry, bind: String, port: Int, logger: Logger) -> some Service {
        let router = Router()
        for path in MetricsRoutes.paths {
            router.get(RouterPath(path)) { _, _ -> Response in await MetricsRoutes.exposition(metrics) }
        }
        return Application(router: router, configuration: .init(address: .hostname(bind, port: port), serverName: "wharf"),
                           logger: logger)
    }
}

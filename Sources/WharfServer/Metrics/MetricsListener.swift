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
        for path in ["/metrics", "/metrics/prometheus"] {
            router.get(RouterPath(path)) { _, _ -> Response in
                let body = await metrics.exposition()
                return Response(status: .ok, headers: [.contentType: MetricsRegistry.contentType],
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
        return Application(router: router, configuration: .init(address: .hostname(bind, port: port), serverName: "wharf"),
                           logger: logger)
    }
}

import HTTPTypes
import Hummingbird
import NIOCore
import WharfMetrics

/// `GET /metrics` (Prometheus' text format; also at Marathon's `/metrics/prometheus`) and
/// `GET /v1/wharf/prometheus/targets` (Prometheus' HTTP service discovery).
enum MetricsRoutes {
    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/metrics", tag: "metrics", summary: "Metrics of this server in Prometheus' text format 0.0.4.",
                      responses: [(200, "The exposition (text/plain; version=0.0.4).")], handler: metrics),
        MarathonRoute(.get, "/metrics/prometheus", tag: "metrics", summary: "Same as /metrics (Marathon's path).",
                      responses: [(200, "The exposition (text/plain; version=0.0.4).")], handler: metrics),
        MarathonRoute(.get, "/v1/wharf/prometheus/targets", tag: "metrics",
                      summary: "Prometheus http_sd target groups: every port of every running task, and every Wharf component's /metrics.",
                      responses: [(200, "A JSON array of {targets, labels} groups ([] when there is none).")], handler: targets),
    ]

    /// The paths of the exposition.
    static let paths: Set<String> = ["/metrics", "/metrics/prometheus"]

    static func metrics(_ call: MarathonCall) async throws -> Response {
        await exposition(call.controlPlane.configuration.metrics)
    }

    /// `registry`'s exposition as a response.
    static func exposition(_ registry: MetricsRegistry) async -> Response {
        let body = await registry.exposition()
        return Response(status: .ok, headers: [.contentType: MetricsRegistry.contentType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func targets(_ call: MarathonCall) async throws -> Response {
        let controlPlane = call.controlPlane
        let state = await controlPlane.currentState()
        let servers = await controlPlane.serverAddresses()
        let body = PrometheusTargets.render(state: state, components: PrometheusTargets.components(servers: servers, state: state))
        return MarathonResponse.json(body)
    }
}

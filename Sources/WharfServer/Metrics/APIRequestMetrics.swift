import HTTPTypes
import Prometheus
import WharfMetrics

/// API requests by route template (never the raw path: ids would make every app a new series),
/// method and status code, with their duration until the response head.
struct APIRequestMetrics: Sendable {
    /// The route label of requests no route matched.
    static let unmatched = "unmatched"

    let registry: MetricsRegistry

    func record(route: String, method: HTTPRequest.Method, status: Int, since start: ContinuousClock.Instant) {
        let method = Self.methodLabel(method)
        registry.histogram(MetricFamilies.httpRequestDuration, route, method).record(ContinuousClock.now - start)
        registry.counter(MetricFamilies.httpRequests, route, method, String(status)).increment()
    }

    /// The method as sent when it is one of HTTP's own, else `OTHER` (a client may send any token).
    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .patch, .options, .connect, .trace: method.rawValue
        default: "OTHER"
        }
    }
}

import NIOCore
import NIOHTTP1
import Prometheus

/// The metrics of one exchange and the series the connection used last (a keep-alive connection
/// usually sends every request to one service, with one method and status).
struct MeasuredExchange {
    /// A request was routed and its end is still to be counted.
    var pending = false
    var start = NIODeadline.uptimeNanoseconds(0)
    var method = 0
    /// The response's status; 0 until a head was sent.
    var status = 0
    var requestBytes = 0
    var responseBytes = 0
    /// The route and service of the last routed request.
    var route: CompiledRoute?
    var service: ServiceMetrics?
    /// The last request counter used, with its `ServiceMetrics.key`.
    var counterKey = -1
    var counter: Counter?
}

extension HTTPProxyHandler {
    /// Starts measuring a request routed to `route`.
    @inline(__always)
    func measure(_ route: CompiledRoute, method: HTTPMethod, metrics: RouterMetrics) {
        if self.measured.route !== route {
            self.measured.route = route
            let service = metrics.service(named: route.name)
            if self.measured.service !== service {
                self.measured.service = service
                self.measured.counterKey = -1
                self.measured.counter = nil
            }
        }
        self.measured.pending = true
        self.measured.start = .now()
        self.measured.method = RouterMetrics.methodIndex(method)
        self.measured.status = 0
        self.measured.requestBytes = 0
        self.measured.responseBytes = 0
    }

    /// Counts the exchange in its service's series. One that ended before a response head was
    /// sent (the client went away) counts only in the duration and bytes: it has no status code.
    func recordMeasuredExchange() {
        self.measured.pending = false
        guard let service = self.measured.service else { return }
        service.duration.record(Duration.nanoseconds((NIODeadline.now() - self.measured.start).nanoseconds))
        if self.measured.requestBytes > 0 { service.requestBytes.increment(by: Int64(self.measured.requestBytes)) }
        if self.measured.responseBytes > 0 { service.responseBytes.increment(by: Int64(self.measured.responseBytes)) }
        guard self.measured.status > 0 else { return }
        let key = ServiceMetrics.key(code: self.measured.status, method: self.measured.method)
        if key != self.measured.counterKey || self.measured.counter == nil {
            self.measured.counterKey = key
            self.measured.counter = service.requests(key: key)
        }
        self.measured.counter?.increment()
    }
}

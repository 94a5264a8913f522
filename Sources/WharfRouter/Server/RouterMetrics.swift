import NIOHTTP1
import Prometheus
import Synchronization
import WharfMetrics

/// The edge router's series in Traefik's shape (`wharf_router_service_requests_total{service,code,method}`
/// and the rest of `MetricFamilies`' router families). A service's series are made when its route
/// first takes a request or connection and removed when no route of the table names the service any
/// more. Handlers keep the objects they last used, so a keep-alive connection's requests take no
/// lookup: the per-request cost is two clock reads, a few atomic adds and a histogram update.
public final class RouterMetrics: Sendable {
    let registry: MetricsRegistry
    private let services = Mutex<[String: ServiceMetrics]>([:])

    /// Router series in `registry`.
    public init(registry: MetricsRegistry) {
        self.registry = registry
    }

    /// The series of `service`, made on first use.
    func service(named name: String) -> ServiceMetrics {
        services.withLock { services in
            if let existing = services[name] { return existing }
            let made = ServiceMetrics(name: name, registry: registry)
            services[name] = made
            return made
        }
    }

    /// Removes the series of services not in `names` (the services of the table just installed).
    func retain(_ names: Set<String>) {
        let gone = services.withLock { services -> [ServiceMetrics] in
            let gone = services.values.filter { !names.contains($0.name) }
            for service in gone { services[service.name] = nil }
            return gone
        }
        for service in gone { service.unregister(from: registry) }
    }

    /// The `method` label's values; anything else is `OTHER` (clients may send any token).
    static let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "OTHER"]

    /// The index of `method` in `methods`.
    @inline(__always)
    static func methodIndex(_ method: HTTPMethod) -> Int {
        switch method {
        case .GET: 0
        case .HEAD: 1
        case .POST: 2
        case .PUT: 3
        case .DELETE: 4
        case .PATCH: 5
        case .OPTIONS: 6
        case .CONNECT: 7
        case .TRACE: 8
        default: 9
        }
    }
}

/// One service's series.
final class ServiceMetrics: Sendable {
    let name: String
    let duration: DurationHistogram
    let requestBytes: Counter
    let responseBytes: Counter
    let retries: Counter
    let connectErrors: Counter
    let ejections: Counter
    let tcpConnections: Counter
    private let registry: MetricsRegistry
    /// Request counters by `code * 16 + method index`.
    private let requests = Mutex<[Int: Counter]>([:])

    init(name: String, registry: MetricsRegistry) {
        self.name = name
        self.registry = registry
        duration = registry.histogram(MetricFamilies.routerServiceRequestDuration, name)
        requestBytes = registry.counter(MetricFamilies.routerServiceRequestBytes, name)
        responseBytes = registry.counter(MetricFamilies.routerServiceResponseBytes, name)
        retries = registry.counter(MetricFamilies.routerServiceRetries, name)
        connectErrors = registry.counter(MetricFamilies.routerServiceConnectErrors, name)
        ejections = registry.counter(MetricFamilies.routerServiceEjections, name)
        tcpConnections = registry.counter(MetricFamilies.routerServiceTCPConnections, name)
    }

    /// The key of a status code and method index for `requests(key:)`.
    @inline(__always)
    static func key(code: Int, method: Int) -> Int { code &* 16 &+ method }

    /// The request counter of a `key(code:method:)`, made on first use.
    func requests(key: Int) -> Counter {
        requests.withLock { requests in
            if let counter = requests[key] { return counter }
            let code = key / 16
            let counter = registry.counter(MetricFamilies.routerServiceRequests, name, String(code), RouterMetrics.methods[key % 16])
            requests[key] = counter
            return counter
        }
    }

    func unregister(from registry: MetricsRegistry) {
        for counter in requests.withLock({ Array($0.values) }) { registry.remove(counter) }
        registry.remove(duration)
        for counter in [requestBytes, responseBytes, retries, connectErrors, ejections, tcpConnections] { registry.remove(counter) }
    }
}

extension RouterMetrics {
    /// Makes every scrape copy the router-wide counters of `stats` (kept per event loop as the
    /// router runs) into `wharf_router_requests_total` and `wharf_router_open_connections`.
    func follow(_ stats: @escaping @Sendable () -> RouterStats) {
        let open = registry.gauge(MetricFamilies.routerOpenConnections)
        let classes = Mutex(["1xx", "2xx", "3xx", "4xx", "5xx"].map {
            MirroredCounter(registry.counter(MetricFamilies.routerRequests, $0))
        })
        registry.setCollector(named: "router") {
            let now = stats()
            open.set(to: Double(now.activeClientConnections))
            classes.withLock { classes in
                for (index, total) in [now.responses1xx, now.responses2xx, now.responses3xx, now.responses4xx, now.responses5xx].enumerated() {
                    classes[index].advance(to: total)
                }
            }
        }
    }
}

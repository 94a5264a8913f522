import Prometheus
import Synchronization

/// One process role's metrics (a server, an agent, `wharf dev`): a swift-prometheus registry that
/// only takes families from `MetricFamilies`, so that a name is always registered with the same
/// help text, type, buckets and label order, plus the collectors that refresh values read at
/// scrape time (state gauges, counters kept elsewhere). Make one per instance and pass it on;
/// several servers in one test process each have their own. Never bootstrap swift-metrics'
/// global system with it from library code.
public final class MetricsRegistry: Sendable {
    /// The exposition's content type (text format 0.0.4), which Prometheus 3 requires.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Refreshes values before an exposition; called in registration order, one scrape at a time.
    public typealias Collector = @Sendable () async -> Void

    let registry = PrometheusCollectorRegistry()
    private let collectors = Mutex<[(name: String, collect: Collector)]>([])
    /// Serializes scrapes, so that collectors computing deltas never run twice at once.
    private let scrapes = ScrapeGate()

    /// An empty registry.
    public init() {}

    /// The counter of `family` with `values` for its labels, in the family's label order
    /// (created on first use; the same object afterwards).
    public func counter(_ family: CounterFamily, _ values: String...) -> Counter {
        counter(family, values: values)
    }

    /// `counter(_:_:)` with the label values as an array.
    public func counter(_ family: CounterFamily, values: [String]) -> Counter {
        make(family.name, family.help, family.labels, values, registry.makeCounter(descriptor:), registry.makeCounter(descriptor:labels:))
    }

    /// The gauge of `family` with `values` for its labels; see `counter(_:_:)`.
    public func gauge(_ family: GaugeFamily, _ values: String...) -> Gauge {
        gauge(family, values: values)
    }

    /// `gauge(_:_:)` with the label values as an array.
    public func gauge(_ family: GaugeFamily, values: [String]) -> Gauge {
        make(family.name, family.help, family.labels, values, registry.makeGauge(descriptor:), registry.makeGauge(descriptor:labels:))
    }

    /// The histogram of `family` with `values` for its labels; see `counter(_:_:)`.
    public func histogram(_ family: HistogramFamily, _ values: String...) -> DurationHistogram {
        histogram(family, values: values)
    }

    /// `histogram(_:_:)` with the label values as an array.
    public func histogram(_ family: HistogramFamily, values: [String]) -> DurationHistogram {
        make(family.name, family.help, family.labels, values,
             { registry.makeDurationHistogram(descriptor: $0, buckets: family.buckets) },
             { registry.makeDurationHistogram(descriptor: $0, labels: $1, buckets: family.buckets) })
    }

    /// A series from the registry: unlabelled when the family has no labels (swift-prometheus ends
    /// the process when one name has labelled and unlabelled series).
    private func make<Metric>(
        _ name: String, _ help: String, _ names: [String], _ values: [String],
        _ unlabelled: (MetricNameDescriptor) -> Metric, _ labelled: (MetricNameDescriptor, [(String, String)]) -> Metric
    ) -> Metric {
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        return names.isEmpty ? unlabelled(descriptor) : labelled(descriptor, Self.pairs(names, values))
    }

    /// Removes a series from the exposition; a family whose last series is removed disappears.
    /// Updating the object afterwards is harmless; asking for the same labels again starts anew at 0.
    public func remove(_ counter: Counter) { registry.unregisterCounter(counter) }
    /// Removes a gauge series; see `remove(_:)` of a counter.
    public func remove(_ gauge: Gauge) { registry.unregisterGauge(gauge) }
    /// Removes a histogram series; see `remove(_:)` of a counter.
    public func remove(_ histogram: DurationHistogram) { registry.unregisterDurationHistogram(histogram) }

    /// Sets the collector called `name`, run before every exposition; it replaces an earlier one
    /// of that name (a new leader term's control plane replaces the last one's).
    public func setCollector(named name: String, _ collector: @escaping Collector) {
        collectors.withLock { collectors in
            if let index = collectors.firstIndex(where: { $0.name == name }) {
                collectors[index].collect = collector
            } else {
                collectors.append((name, collector))
            }
        }
    }

    /// Runs the collectors, then renders every series in the text format.
    public func exposition() async -> [UInt8] {
        await scrapes.run {
            for collector in collectors.withLock({ $0 }) {
                await collector.collect()
            }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            registry.emit(into: &buffer)
            return buffer
        }
    }

    /// Label pairs in the family's order. A value missing for a name (a programming error the
    /// catalogue tests catch) is the empty string rather than a crash.
    static func pairs(_ names: [String], _ values: [String]) -> [(String, String)] {
        assert(names.count == values.count, "labels \(names) given values \(values)")
        return names.enumerated().map { index, name in (name, index < values.count ? values[index] : "") }
    }
}

/// Runs one scrape at a time, in arrival order.
final class ScrapeGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func run<T: Sendable>(_ body: () async -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.busy {
                    state.waiters.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if now { continuation.resume() }
        }
        let result = await body()
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
        return result
    }
}

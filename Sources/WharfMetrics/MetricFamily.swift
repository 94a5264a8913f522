/// A counter or gauge family: its full name, help text and label names, fixed in one place
/// (`MetricFamilies`) so that every series of the family is registered alike. The registry ends the
/// process on a second definition of a name with other help text, type or buckets.
public struct MetricFamily<Kind>: Hashable, Sendable {
    /// The full name, as exposed.
    public let name: String
    /// The `# HELP` text: one line.
    public let help: String
    /// Label names in the order every series of the family uses.
    public let labels: [String]

    init(_ name: String, _ help: String, labels: [String] = []) {
        self.name = name
        self.help = help
        self.labels = labels
    }
}

/// The kind of a counter family (names end in `_total`).
public enum CounterKind {}
/// The kind of a gauge family.
public enum GaugeKind {}

/// A counter family.
public typealias CounterFamily = MetricFamily<CounterKind>
/// A gauge family.
public typealias GaugeFamily = MetricFamily<GaugeKind>

/// A histogram family of durations (exposed in seconds) with its fixed bucket bounds; see `MetricFamily`.
public struct HistogramFamily: Hashable, Sendable {
    /// The full name, as exposed (ending in `_seconds`).
    public let name: String
    /// The `# HELP` text: one line.
    public let help: String
    /// Label names in the order every series of the family uses.
    public let labels: [String]
    /// Upper bounds, ascending, without `+Inf` (added by the exposition).
    public let buckets: [Duration]

    init(_ name: String, _ help: String, labels: [String] = [], buckets: [Duration]) {
        self.name = name
        self.help = help
        self.labels = labels
        self.buckets = buckets
    }
}

/// Any family, for listing the catalogue.
public enum AnyMetricFamily: Hashable, Sendable {
    case counter(CounterFamily)
    case gauge(GaugeFamily)
    case histogram(HistogramFamily)

    /// The family's name.
    public var name: String {
        switch self {
        case .counter(let family): family.name
        case .gauge(let family): family.name
        case .histogram(let family): family.name
        }
    }

    /// The family's help text.
    public var help: String {
        switch self {
        case .counter(let family): family.help
        case .gauge(let family): family.help
        case .histogram(let family): family.help
        }
    }

    /// The family's label names, in order.
    public var labels: [String] {
        switch self {
        case .counter(let family): family.labels
        case .gauge(let family): family.labels
        case .histogram(let family): family.labels
        }
    }

    /// `counter`, `gauge` or `histogram`, as in the exposition's `# TYPE` line.
    public var type: String {
        switch self {
        case .counter: "counter"
        case .gauge: "gauge"
        case .histogram: "histogram"
        }
    }
}

import Prometheus

/// A counter that follows a total kept elsewhere (a cgroup's CPU time, the DNS server's atomic
/// counters): each `advance(to:)` adds what the total grew by since the last one. A total that
/// went down (its source restarted) is taken as the new start, so the counter never decreases.
public struct MirroredCounter: Sendable {
    /// The counter in the registry (to remove it with `MetricsRegistry.remove(_:)`).
    public let counter: Counter
    private var last: Double?
    private var lastInteger: UInt64?

    /// Follows a total from 0: the first reading adds all of it.
    public init(_ counter: Counter) {
        self.counter = counter
    }

    /// Adds the growth of the total since the last reading.
    public mutating func advance(to total: Double) {
        let growth = total - (last ?? 0)
        if growth > 0 { counter.increment(by: growth) }
        last = total
    }

    /// `advance(to:)` for integer totals, exact beyond 2^53.
    public mutating func advance(to total: UInt64) {
        let previous = lastInteger ?? 0
        if total > previous { counter.increment(by: Int64(clamping: total - previous)) }
        lastInteger = total
    }
}

/// How a route spreads requests (or TCP connections) over its backends.
public enum BalanceStrategy: String, Sendable, Hashable {
    /// Each new request goes to the next backend in turn.
    case roundRobin = "roundrobin"
    /// Each new request goes to the backend with the fewest requests in flight.
    case leastConnections = "leastconn"
}

/// A snapshot of the router's counters, for metrics. Counters only grow, except
/// `activeClientConnections`.
public struct RouterStats: Sendable, Hashable {
    /// HTTP requests whose head was received.
    public var requestsTotal: UInt64 = 0
    /// Responses sent with a 1xx (including 101) status.
    public var responses1xx: UInt64 = 0
    /// Responses sent with a 2xx status.
    public var responses2xx: UInt64 = 0
    /// Responses sent with a 3xx status.
    public var responses3xx: UInt64 = 0
    /// Responses sent with a 4xx status (including the router's own 400/404).
    public var responses4xx: UInt64 = 0
    /// Responses sent with a 5xx status (including the router's own 502/503/504).
    public var responses5xx: UInt64 = 0
    /// HTTP client connections open now.
    public var activeClientConnections: Int = 0
    /// Connections to backends that failed (refused or timed out), HTTP and TCP.
    public var backendConnectFailures: UInt64 = 0
    /// Requests or TCP connections sent to another backend (or a fresh connection) after a failure.
    public var retries: UInt64 = 0
    /// Connections switched to a raw relay after a 101 response.
    public var upgrades: UInt64 = 0

    /// Creates an all-zero snapshot.
    public init() {}

    mutating func countResponse(status: Int) {
        switch status {
        case ..<200: self.responses1xx &+= 1
        case ..<300: self.responses2xx &+= 1
        case ..<400: self.responses3xx &+= 1
        case ..<500: self.responses4xx &+= 1
        default: self.responses5xx &+= 1
        }
    }

    static func + (lhs: RouterStats, rhs: RouterStats) -> RouterStats {
        var sum = lhs
        sum.requestsTotal &+= rhs.requestsTotal
        sum.responses1xx &+= rhs.responses1xx
        sum.responses2xx &+= rhs.responses2xx
        sum.responses3xx &+= rhs.responses3xx
        sum.responses4xx &+= rhs.responses4xx
        sum.responses5xx &+= rhs.responses5xx
        sum.activeClientConnections += rhs.activeClientConnections
        sum.backendConnectFailures &+= rhs.backendConnectFailures
        sum.retries &+= rhs.retries
        sum.upgrades &+= rhs.upgrades
        return sum
    }
}

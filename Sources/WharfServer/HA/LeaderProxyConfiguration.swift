/// How a follower proxies the API to the leader (Marathon's `LeaderProxyConf` and the constants of
/// `LeaderProxyFilter` and `LeaderResource`).
public struct LeaderProxyConfiguration: Sendable {
    /// Longest wait to connect to the leader before answering 502 (Marathon's
    /// `--leader_proxy_connection_timeout`, 5 s). There is no read timeout: event streams and
    /// blocking queries stay open as long as the leader and the client keep them.
    public var connectTimeout: Duration
    /// Connections kept open to the leader at most; requests beyond wait for one (up to
    /// `connectTimeout`). Every event stream or blocking query proxied holds one, so this is higher
    /// than Marathon's 64 (which redirects its event streams).
    public var maxConnections: Int
    /// How many more times a server that finds the leadership undecided looks again before it
    /// answers 502 "Could not determine the current leader" (Marathon: 10, its loop sleeping 11 times).
    public var undecidedRetries: Int
    /// The wait between two looks (Marathon: 250 ms).
    public var undecidedRetryInterval: Duration
    /// The delay between answering `DELETE /v2/leader` and abdicating, so that the answer gets out
    /// first (Marathon's `LeaderResource.abdicationDelay`, 500 ms).
    public var abdicationDelay: Duration

    /// Marathon's values unless given.
    public init(connectTimeout: Duration = .seconds(5), maxConnections: Int = 512, undecidedRetries: Int = 10,
                undecidedRetryInterval: Duration = .milliseconds(250), abdicationDelay: Duration = .milliseconds(500)) {
        self.connectTimeout = connectTimeout
        self.maxConnections = maxConnections
        self.undecidedRetries = undecidedRetries
        self.undecidedRetryInterval = undecidedRetryInterval
        self.abdicationDelay = abdicationDelay
    }
}

import WharfDiscovery
/// Settings of an agent's end of the agent link (`wharf agent --join ... --token ...`).
public struct AgentUplinkConfiguration: Sendable {
    /// The servers' agent ports, tried in turn.
    public var servers: [JoinAddress]
    /// The shared cluster token.
    public var token: String
    /// The node's host name, sent with the agent's offer.
    public var hostname: String
    /// Largest frame accepted from a server. Default 16 MiB.
    public var maxFrameBytes: Int
    /// Seconds to wait for a TCP connection, and for the answer to the hello. Default 5.
    public var connectTimeoutSeconds: Double
    /// First and largest delay between attempts to reach a server. Default 0.5 s and 30 s.
    public var reconnectDelay: (initial: Double, maximum: Double)
    /// The catalog this node's router, DNS server and Consul API serve, kept as the server's copy;
    /// nil: the node serves none of them and the server sends no catalog.
    public var mirror: Catalog?
    /// Whether this node runs an edge router over `mirror` (the server's kills then wait for it).
    public var servesRoutes = false
    /// Where the highest leader epoch seen is kept (`<data-dir>/leader-epoch`); nil: in memory.
    public var epochFile: String?
    /// Where the id of the HA cluster the agent belongs to is kept (`<data-dir>/cluster-id`); nil: in memory.
    public var clusterIdFile: String?
    /// Protocol versions offered in the hello (tests offer others).
    var protocolVersions: ClosedRange<Int> = WireProtocol.versions

    public init(servers: [JoinAddress], token: String, hostname: String, maxFrameBytes: Int = 16 << 20,
                connectTimeoutSeconds: Double = 5, reconnectDelay: (initial: Double, maximum: Double) = (0.5, 30)) {
        self.servers = servers
        self.token = token
        self.hostname = hostname
        self.maxFrameBytes = maxFrameBytes
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.reconnectDelay = reconnectDelay
    }
}

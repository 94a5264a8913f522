/// Settings of the server's end of the agent link (`wharf server --agent-port ...`).
public struct AgentHubConfiguration: Sendable {
    /// Address the agent port binds to. Default `0.0.0.0`.
    public var bindAddress: String
    /// Port agents connect to. Default 8090.
    public var port: Int
    /// The shared cluster token every agent must present.
    public var token: String
    /// Seconds of silence after which an agent is unreachable (`--agent-timeout`). Default 10.
    public var agentTimeoutSeconds: Double
    /// Largest frame accepted from an agent. Default 16 MiB.
    public var maxFrameBytes: Int
    /// Seconds a new connection has to send its hello. Default 10.
    public var handshakeTimeoutSeconds: Double
    /// A launch no report has confirmed after this many seconds is sent again (then after twice as
    /// long, up to a minute): commands are idempotent. Default 10.
    public var launchResendSeconds: Double
    /// `host:port` of the server's HTTP API, told to agents in the welcome (their Consul API names
    /// it as the leader). Default: none.
    public var apiAddress: String = ""
    /// Protocol versions accepted (tests accept others).
    var protocolVersions: ClosedRange<Int> = WireProtocol.versions

    public init(bindAddress: String = "0.0.0.0", port: Int = 8090, token: String, agentTimeoutSeconds: Double = 10,
                maxFrameBytes: Int = 16 << 20, handshakeTimeoutSeconds: Double = 10,
                launchResendSeconds: Double = 10) {
        self.bindAddress = bindAddress
        self.port = port
        self.token = token
        self.agentTimeoutSeconds = agentTimeoutSeconds
        self.maxFrameBytes = maxFrameBytes
        self.handshakeTimeoutSeconds = handshakeTimeoutSeconds
        self.launchResendSeconds = launchResendSeconds
    }
}

import NIOCore

/// Settings of an `EdgeRouter`. Every parameter has a default; times are `TimeAmount`s.
public struct RouterConfiguration: Sendable {
    /// Address the HTTP listener binds to. Default "0.0.0.0".
    public var bindAddress: String
    /// Port of the HTTP listener; 0 picks a free port (see `EdgeRouter.httpPort()`). Default 8000.
    public var httpPort: Int
    /// Address TCP route listeners bind to. Default: `bindAddress`.
    public var tcpBindAddress: String
    /// Longest wait for a backend to accept a connection. Default 3 s.
    public var connectTimeout: TimeAmount
    /// A client must send a whole request head within this time once it starts one (and
    /// a new connection must send its first head within it): the slowloris guard. Default 10 s.
    public var requestHeaderTimeout: TimeAmount
    /// An idle keep-alive client connection is closed after this time. Default 60 s.
    public var clientIdleTimeout: TimeAmount
    /// Longest wait for a backend's response head once the request was sent; then 504. Default 60 s.
    public var backendTimeout: TimeAmount
    /// Upgraded (websocket) connections and TCP relays with no traffic either way are closed
    /// after this time. Default 3600 s.
    public var tunnelIdleTimeout: TimeAmount
    /// Largest accepted request head (request line and headers); larger gets 400. Default 64 KiB.
    public var maxHeaderBytes: Int
    /// How many other backends are tried after a connect failure. Default 2.
    public var connectRetries: Int
    /// A backend that refused or timed out a connection is skipped for this long. Default 5 s.
    public var ejectSeconds: TimeAmount
    /// Idle keep-alive connections kept per backend and event loop. Default 64.
    public var maxIdleBackendConnectionsPerBackend: Int

    /// Creates a configuration; see each property for its default.
    public init(
        bindAddress: String = "0.0.0.0",
        httpPort: Int = 8000,
        tcpBindAddress: String? = nil,
        connectTimeout: TimeAmount = .seconds(3),
        requestHeaderTimeout: TimeAmount = .seconds(10),
        clientIdleTimeout: TimeAmount = .seconds(60),
        backendTimeout: TimeAmount = .seconds(60),
        tunnelIdleTimeout: TimeAmount = .seconds(3600),
        maxHeaderBytes: Int = 64 * 1024,
        connectRetries: Int = 2,
        ejectSeconds: TimeAmount = .seconds(5),
        maxIdleBackendConnectionsPerBackend: Int = 64
    ) {
        self.bindAddress = bindAddress
        self.httpPort = httpPort
        self.tcpBindAddress = tcpBindAddress ?? bindAddress
        self.connectTimeout = connectTimeout
        self.requestHeaderTimeout = requestHeaderTimeout
        self.clientIdleTimeout = clientIdleTimeout
        self.backendTimeout = backendTimeout
        self.tunnelIdleTimeout = tunnelIdleTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.connectRetries = connectRetries
        self.ejectSeconds = ejectSeconds
        self.maxIdleBackendConnectionsPerBackend = maxIdleBackendConnectionsPerBackend
    }
}

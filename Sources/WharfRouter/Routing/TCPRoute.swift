/// A TCP route: the router listens on `port` and relays raw bytes to one of the backends.
public struct TCPRoute: Hashable, Sendable {
    /// Name used in logs and listener status reports, typically the app id.
    public var name: String
    /// Port the router listens on (on `RouterConfiguration.tcpBindAddress`).
    public var port: Int
    /// Instances that can serve the route.
    public var backends: [Backend]
    /// How new connections are spread over `backends`.
    public var balance: BalanceStrategy

    /// Creates a route.
    public init(name: String, port: Int, backends: [Backend], balance: BalanceStrategy = .roundRobin) {
        self.name = name
        self.port = port
        self.backends = backends
        self.balance = balance
    }
}

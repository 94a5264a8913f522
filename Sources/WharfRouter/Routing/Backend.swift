/// One instance that can serve a route: an address the router connects to.
public struct Backend: Hashable, Sendable {
    /// Stable identifier of the instance (for logs and metrics), e.g. a task id.
    public var id: String
    /// Host name or IP address the router connects to.
    public var host: String
    /// TCP port the router connects to.
    public var port: Int

    /// Creates a backend reachable at `host:port`.
    public init(id: String, host: String, port: Int) {
        self.id = id
        self.host = host
        self.port = port
    }
}

/// Everything the router serves: the unit that `EdgeRouter.update(_:)` swaps atomically.
public struct RouteTable: Hashable, Sendable {
    /// Monotonic version chosen by the producer, reported in logs.
    public var version: UInt64
    /// HTTP routes, matched by host and path prefix.
    public var http: [HTTPRoute]
    /// TCP routes, one listener per port.
    public var tcp: [TCPRoute]

    /// Creates a table.
    public init(version: UInt64 = 0, http: [HTTPRoute] = [], tcp: [TCPRoute] = []) {
        self.version = version
        self.http = http
        self.tcp = tcp
    }
}

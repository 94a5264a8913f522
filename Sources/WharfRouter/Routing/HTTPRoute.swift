/// An HTTP route: requests whose Host (case-insensitive, port stripped) is in `hosts`
/// (empty means any host) and whose path starts with `pathPrefix` ("/" matches all paths).
///
/// A route listing the request's host always beats a wildcard route; among the routes that
/// match, the longest `pathPrefix` wins. Matching is a plain prefix test, like HAProxy's `path_beg`.
public struct HTTPRoute: Hashable, Sendable {
    /// Name used in logs and error bodies, typically the app id.
    public var name: String
    /// Host names this route serves; empty serves every host.
    public var hosts: [String]
    /// Path prefix this route serves, e.g. "/api".
    public var pathPrefix: String
    /// Instances that can serve the route.
    public var backends: [Backend]
    /// How requests are spread over `backends`.
    public var balance: BalanceStrategy

    /// Creates a route.
    public init(
        name: String,
        hosts: [String],
        pathPrefix: String,
        backends: [Backend],
        balance: BalanceStrategy = .roundRobin
    ) {
        self.name = name
        self.hosts = hosts
        self.pathPrefix = pathPrefix
        self.backends = backends
        self.balance = balance
    }
}

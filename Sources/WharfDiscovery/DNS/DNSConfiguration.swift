import NIOCore

/// How the DNS server listens and what it answers for.
///
/// Defaults follow Consul's DNS interface (`consul.` on port 8600) except the TTLs: Consul's 0 s
/// disables caching entirely, Wharf's 1 s lets a resolver absorb bursts while still seeing
/// instance changes almost at once.
public struct DNSConfiguration: Sendable, Hashable {
    /// The address both the UDP and the TCP listener bind to. Default `0.0.0.0`.
    public var bindAddress: String
    /// The port for UDP and TCP; 0 picks a free one (see `DNSServer.boundPort()`). Default 8600.
    public var port: Int
    /// The main domain, Consul's `domain`. Default `consul`.
    public var domain: String
    /// Further domains answered like `domain` (Consul's `alt_domain`), e.g. `["wharf"]`. Under these
    /// the short form `<service>.<domain>` also works.
    public var extraDomains: [String]
    /// TTL in seconds of service records (A and SRV). Default 1.
    public var ttl: Int
    /// TTL in seconds of negative answers: the SOA minimum and the SOA record's own TTL, so that
    /// a transient "no healthy instance" is not cached for long. Default 1.
    public var negativeTTL: Int
    /// TTL in seconds of node records (`<node>.node.<domain>` and the A records beside SRV
    /// answers). Default 1.
    public var nodeTTL: Int
    /// How long an idle TCP connection is kept open. Default 10 s.
    public var tcpIdleTimeout: Duration
    /// UDP sockets sharing the port (`SO_REUSEPORT`), each read by its own event loop so that
    /// queries use every core; the kernel spreads clients over them. Default: one per core.
    public var udpListeners: Int

    /// The EDNS UDP payload size Wharf advertises and the ceiling for UDP answers.
    public static let udpPayloadSize = 4096

    /// A configuration; every parameter has the documented default.
    public init(bindAddress: String = "0.0.0.0", port: Int = 8600, domain: String = "consul",
                extraDomains: [String] = [], ttl: Int = 1, negativeTTL: Int = 1, nodeTTL: Int = 1,
                tcpIdleTimeout: Duration = .seconds(10), udpListeners: Int = System.coreCount) {
        self.bindAddress = bindAddress
        self.port = port
        self.domain = domain
        self.extraDomains = extraDomains
        self.ttl = ttl
        self.negativeTTL = negativeTTL
        self.nodeTTL = nodeTTL
        self.tcpIdleTimeout = tcpIdleTimeout
        self.udpListeners = udpListeners
    }
}

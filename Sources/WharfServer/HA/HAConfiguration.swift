import WharfModel

/// Settings of `wharf server --etcd ...`: where the control plane's state and election live, and
/// the timings of leadership.
public struct HAConfiguration: Sendable {
    /// etcd client URLs (`http://host:port`), tried in turn.
    public var endpoints: [String]
    /// Every key of this cluster starts with it. Default `/wharf/v1/`.
    public var prefix: String
    /// Largest number of operations in one etcd transaction (etcd's `--max-txn-ops`). Default 128.
    public var maxTxnOps: Int
    /// TTL of the leader's lease, in seconds (etcd's minimum is 2). Default 3: a leader that dies is
    /// replaced within about this long.
    public var leaseTTLSeconds: Int64
    /// Seconds between compactions of old etcd revisions (etcd 3.4 keeps every revision unless told).
    /// Default 300, as Kubernetes' API server.
    public var compactionIntervalSeconds: Double
    /// Seconds to wait for one etcd request (a write not answered by then is reported unavailable:
    /// 503). Default 3: an etcd election takes 1-2 s.
    public var requestTimeoutSeconds: Double

    public init(endpoints: [String], prefix: String = "/wharf/v1/", maxTxnOps: Int = 128, leaseTTLSeconds: Int64 = 3,
                compactionIntervalSeconds: Double = 300, requestTimeoutSeconds: Double = 3) {
        self.endpoints = endpoints
        self.prefix = prefix
        self.maxTxnOps = maxTxnOps
        self.leaseTTLSeconds = leaseTTLSeconds
        self.compactionIntervalSeconds = compactionIntervalSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }

    /// Where candidates' election keys live.
    var electionPrefix: String { prefix + "election/" }
    /// Where servers announce themselves (`/v1/wharf/servers`).
    var serversPrefix: String { prefix + "servers/" }
    /// The control plane's records (apps, instances, deployments, ...).
    var statePrefix: String { prefix + "state/" }
    /// The record that ties the prefix to one cluster token.
    var clusterKey: String { prefix + "cluster" }
}

/// What a server says of itself: in its election key (so that followers know where the leader
/// is) and in its entry under `servers/` (`/v1/wharf/servers`).
public struct ServerRecord: Codable, Sendable, Hashable {
    /// A random id of the server process.
    public var id: String
    /// `host:port` of its HTTP API.
    public var apiAddress: String
    /// `host:port` of its agent port.
    public var agentAddress: String
    /// When it started.
    public var startedAt: Timestamp
    /// When it last refreshed its entry (entries only; election keys hold the start time).
    public var lastContact: Timestamp?
    /// The wharf version it runs.
    public var software: String

    public init(id: String, apiAddress: String, agentAddress: String, startedAt: Timestamp, software: String) {
        self.id = id
        self.apiAddress = apiAddress
        self.agentAddress = agentAddress
        self.startedAt = startedAt
        self.software = software
    }
}

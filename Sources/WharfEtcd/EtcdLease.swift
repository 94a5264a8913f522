import Foundation

/// A lease etcd granted.
public struct EtcdLeaseGrant: Sendable, Hashable {
    /// The lease id (keys are attached to it; keepalives and revocation name it).
    public var id: Int64
    /// The TTL etcd granted, in seconds (at least etcd's minimum, 2 s with default settings).
    public var ttl: Int64

    /// Creates a grant.
    public init(id: Int64, ttl: Int64) {
        self.id = id
        self.ttl = ttl
    }
}

/// What etcd knows of a lease.
public struct EtcdLeaseTimeToLive: Sendable, Hashable {
    /// The lease id.
    public var id: Int64
    /// Remaining seconds; -1 when the lease has expired or never existed.
    public var ttl: Int64
    /// The TTL the lease was granted with (0 when it does not exist).
    public var grantedTTL: Int64
    /// The keys attached to the lease, when asked for.
    public var keys: [String]

    /// Creates a description.
    public init(id: Int64, ttl: Int64, grantedTTL: Int64, keys: [String]) {
        self.id = id
        self.ttl = ttl
        self.grantedTTL = grantedTTL
        self.keys = keys
    }
}

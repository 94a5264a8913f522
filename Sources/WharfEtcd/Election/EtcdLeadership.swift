import Foundation

/// Leadership won by `EtcdElection.campaign()`.
public struct EtcdLeadership: Sendable, Hashable {
    /// The full etcd key of this candidate's election key (`prefix` + lease id in hex); the key to fence on.
    public var key: String
    /// The key's create revision: higher for every later leader, so it orders leaders (the epoch
    /// commands and fenced writes carry).
    public var epoch: Int64
    /// The lease the key is attached to.
    public var leaseId: Int64

    /// The fence an `EtcdStore` needs so that its writes stop once this leadership is over.
    public var fence: EtcdFence { EtcdFence(key: key, createRevision: epoch) }

    /// Creates a leadership description.
    public init(key: String, epoch: Int64, leaseId: Int64) {
        self.key = key
        self.epoch = epoch
        self.leaseId = leaseId
    }
}

/// The current leader of an election, as observers see it.
public struct EtcdLeaderInfo: Sendable, Hashable {
    /// The leader's election key.
    public var key: String
    /// The value the leader campaigned with (e.g. its API address).
    public var value: Data
    /// The leader's epoch (its key's create revision).
    public var epoch: Int64

    /// Creates a leader description.
    public init(key: String, value: Data, epoch: Int64) {
        self.key = key
        self.value = value
        self.epoch = epoch
    }
}

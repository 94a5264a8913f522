/// The leader's claim that fences every store write: the write only happens while `key` (the
/// leader's election key) still has `createRevision` — i.e. while this server still holds the
/// leadership it won. A deposed leader's writes then fail with `StoreError.fenced`.
public struct EtcdFence: Sendable, Hashable {
    /// The full etcd key of the leader's election key (`EtcdLeadership.key`).
    public var key: String
    /// Its create revision, the leader's epoch (`EtcdLeadership.epoch`).
    public var createRevision: Int64

    /// A fence on `key` having `createRevision`.
    public init(key: String, createRevision: Int64) {
        self.key = key
        self.createRevision = createRevision
    }
}

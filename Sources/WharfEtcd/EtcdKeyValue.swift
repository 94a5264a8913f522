import Foundation

/// The header etcd puts on every answer: which cluster and member answered, at which store revision.
public struct EtcdResponseHeader: Sendable, Hashable {
    /// The cluster's id.
    public var clusterId: UInt64
    /// The id of the member that answered.
    public var memberId: UInt64
    /// The store revision when the request was served (a write's own revision for a write).
    public var revision: Int64
    /// The Raft term of the member that answered.
    public var raftTerm: UInt64

    /// Creates a header (tests build answers with it).
    public init(clusterId: UInt64 = 0, memberId: UInt64 = 0, revision: Int64, raftTerm: UInt64 = 0) {
        self.clusterId = clusterId
        self.memberId = memberId
        self.revision = revision
        self.raftTerm = raftTerm
    }
}

/// One key as etcd stores it.
public struct EtcdKeyValue: Sendable, Hashable {
    /// The key's bytes read as UTF-8 (Wharf writes only UTF-8 keys).
    public var key: String
    /// The stored bytes.
    public var value: Data
    /// The revision of the write that created the key (0 for a deleted key in a watch event).
    public var createRevision: Int64
    /// The revision of the last write to the key.
    public var modRevision: Int64
    /// How many times the key was written since it was created (1 after the first put).
    public var version: Int64
    /// The lease the key is attached to, 0 if none.
    public var lease: Int64

    /// Creates a key-value (tests build answers with it).
    public init(key: String, value: Data, createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

import Foundation

/// One member of the etcd cluster.
public struct EtcdMember: Sendable, Hashable {
    /// The member id.
    public var id: UInt64
    /// The member's name (empty until a newly added member has started).
    public var name: String
    /// Where members reach it.
    public var peerURLs: [String]
    /// Where clients reach it.
    public var clientURLs: [String]
    /// Whether it is a non-voting learner.
    public var isLearner: Bool

    /// Creates a member description.
    public init(id: UInt64, name: String, peerURLs: [String], clientURLs: [String], isLearner: Bool) {
        self.id = id
        self.name = name
        self.peerURLs = peerURLs
        self.clientURLs = clientURLs
        self.isLearner = isLearner
    }
}

/// The status of the member behind one endpoint (etcd's `StatusResponse`).
public struct EtcdStatus: Sendable, Hashable {
    /// The endpoint that answered.
    public var endpoint: String
    /// The header (its `memberId` is the answering member).
    public var header: EtcdResponseHeader
    /// etcd's version, e.g. `3.4.23`.
    public var version: String
    /// The member id of the Raft leader as this member knows it (0 when there is none).
    public var leader: UInt64
    /// The Raft term.
    public var raftTerm: UInt64
    /// The Raft index.
    public var raftIndex: UInt64
    /// The size of the backend database file, in bytes.
    public var dbSize: Int64
    /// The part of the database in use, in bytes (the rest is reclaimed by defragmentation).
    public var dbSizeInUse: Int64
    /// Alarms and errors the member reports (e.g. `NOSPACE`).
    public var errors: [String]

    /// Creates a status.
    public init(
        endpoint: String, header: EtcdResponseHeader, version: String, leader: UInt64, raftTerm: UInt64,
        raftIndex: UInt64, dbSize: Int64, dbSizeInUse: Int64, errors: [String]
    ) {
        self.endpoint = endpoint
        self.header = header
        self.version = version
        self.leader = leader
        self.raftTerm = raftTerm
        self.raftIndex = raftIndex
        self.dbSize = dbSize
        self.dbSizeInUse = dbSizeInUse
        self.errors = errors
    }
}

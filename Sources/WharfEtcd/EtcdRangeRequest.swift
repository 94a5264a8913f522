import Foundation

/// How a range is sorted.
public enum EtcdSortOrder: String, Sendable, Hashable {
    case none = "NONE", ascend = "ASCEND", descend = "DESCEND"
}

/// Which field a range is sorted by.
public enum EtcdSortTarget: String, Sendable, Hashable {
    case key = "KEY", version = "VERSION", create = "CREATE", mod = "MOD", value = "VALUE"
}

/// A read of one key or a key range (etcd's `RangeRequest`).
public struct EtcdRangeRequest: Sendable, Hashable {
    /// The key, or the first key of the range.
    public var key: String
    /// The end of the range (exclusive); nil reads only `key`; `[0]` reads every key from `key` on.
    public var rangeEnd: [UInt8]?
    /// At most this many keys; 0 is no limit.
    public var limit: Int64
    /// Read the store as of this revision; 0 is the current revision.
    public var revision: Int64
    /// Sort order of the result (etcd sorts by key ascending when `.none`).
    public var sortOrder: EtcdSortOrder
    /// The field `sortOrder` applies to.
    public var sortTarget: EtcdSortTarget
    /// Serve the read from the answering member's local state without a quorum round-trip (may be stale).
    public var serializable: Bool
    /// Return keys and revisions without values.
    public var keysOnly: Bool
    /// Return only the count.
    public var countOnly: Bool
    /// Only keys created at or after this revision; 0 for no bound.
    public var minCreateRevision: Int64
    /// Only keys created at or before this revision; 0 for no bound.
    public var maxCreateRevision: Int64

    /// A read of `key`, or of `[key, rangeEnd)`.
    public init(
        key: String, rangeEnd: [UInt8]? = nil, limit: Int64 = 0, revision: Int64 = 0,
        sortOrder: EtcdSortOrder = .none, sortTarget: EtcdSortTarget = .key, serializable: Bool = false,
        keysOnly: Bool = false, countOnly: Bool = false, minCreateRevision: Int64 = 0, maxCreateRevision: Int64 = 0
    ) {
        self.key = key
        self.rangeEnd = rangeEnd
        self.limit = limit
        self.revision = revision
        self.sortOrder = sortOrder
        self.sortTarget = sortTarget
        self.serializable = serializable
        self.keysOnly = keysOnly
        self.countOnly = countOnly
        self.minCreateRevision = minCreateRevision
        self.maxCreateRevision = maxCreateRevision
    }

    /// A read of every key starting with `prefix`.
    public static func prefix(
        _ prefix: String, limit: Int64 = 0, revision: Int64 = 0,
        sortOrder: EtcdSortOrder = .none, sortTarget: EtcdSortTarget = .key
    ) -> EtcdRangeRequest {
        EtcdRangeRequest(
            key: prefix, rangeEnd: EtcdKeys.prefixEnd(prefix), limit: limit, revision: revision,
            sortOrder: sortOrder, sortTarget: sortTarget
        )
    }
}

/// The answer to a range.
public struct EtcdRangeResult: Sendable, Hashable {
    /// The header; `header.revision` is the revision the read saw.
    public var header: EtcdResponseHeader
    /// The keys read (empty for `countOnly`).
    public var kvs: [EtcdKeyValue]
    /// Whether more keys were in the range than `limit` let through.
    public var more: Bool
    /// How many keys are in the range (regardless of `limit`).
    public var count: Int64

    /// Creates a result (tests build answers with it).
    public init(header: EtcdResponseHeader, kvs: [EtcdKeyValue], more: Bool, count: Int64) {
        self.header = header
        self.kvs = kvs
        self.more = more
        self.count = count
    }
}

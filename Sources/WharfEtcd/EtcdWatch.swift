import Foundation

/// What to watch (etcd's `WatchCreateRequest`).
public struct EtcdWatchRequest: Sendable, Hashable {
    /// The key, or the first key of the range.
    public var key: String
    /// The end of the range (exclusive); nil watches only `key`.
    public var rangeEnd: [UInt8]?
    /// The first revision to report (inclusive); 0 starts after the current revision.
    public var startRevision: Int64
    /// Ask etcd for periodic empty responses carrying the current revision.
    public var progressNotify: Bool
    /// Include each key's previous value in events.
    public var prevKV: Bool

    /// A watch on `key`, or on `[key, rangeEnd)`.
    public init(key: String, rangeEnd: [UInt8]? = nil, startRevision: Int64 = 0, progressNotify: Bool = false, prevKV: Bool = false) {
        self.key = key
        self.rangeEnd = rangeEnd
        self.startRevision = startRevision
        self.progressNotify = progressNotify
        self.prevKV = prevKV
    }

    /// A watch on every key starting with `prefix`.
    public static func prefix(_ prefix: String, startRevision: Int64 = 0, progressNotify: Bool = false, prevKV: Bool = false) -> EtcdWatchRequest {
        EtcdWatchRequest(
            key: prefix, rangeEnd: EtcdKeys.prefixEnd(prefix), startRevision: startRevision,
            progressNotify: progressNotify, prevKV: prevKV
        )
    }
}

/// One change of a watched key.
public struct EtcdEvent: Sendable, Hashable {
    /// Whether the key was written or deleted.
    public enum Kind: String, Sendable, Hashable {
        case put = "PUT", delete = "DELETE"
    }

    /// Put or delete.
    public var type: Kind
    /// The key after the change (for a delete: the key, with `modRevision` the delete's revision).
    public var kv: EtcdKeyValue
    /// The key before the change, when the watch asked for it and it existed.
    public var prevKV: EtcdKeyValue?

    /// Creates an event.
    public init(type: Kind, kv: EtcdKeyValue, prevKV: EtcdKeyValue? = nil) {
        self.type = type
        self.kv = kv
        self.prevKV = prevKV
    }
}

/// One message of a watch stream: the events of one or more revisions, or a progress notification.
public struct EtcdWatchResponse: Sendable, Hashable {
    /// The header; `header.revision` is the store revision when the message was sent.
    public var header: EtcdResponseHeader
    /// The changes, in revision order (empty for a progress notification).
    public var events: [EtcdEvent]
    /// When the watch was canceled because its start revision was compacted: the compaction point.
    public var compactRevision: Int64
    /// Whether etcd ended the watch.
    public var canceled: Bool

    /// Creates a response.
    public init(header: EtcdResponseHeader, events: [EtcdEvent], compactRevision: Int64 = 0, canceled: Bool = false) {
        self.header = header
        self.events = events
        self.compactRevision = compactRevision
        self.canceled = canceled
    }

    /// Whether this is a progress notification: no events, only the current revision.
    public var isProgressNotify: Bool {
        events.isEmpty && !canceled && compactRevision == 0 && header.revision != 0
    }
}

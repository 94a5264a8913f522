import Foundation
import Logging
import NIOConcurrencyHelpers
import WharfStore

/// A `StateStore` in etcd: one etcd key per store key (`prefix` + key), a key's revision is its
/// etcd `mod_revision`, and compare-and-swap compares `mod_revision` inside an etcd transaction.
///
/// Revisions are etcd's: store-wide over the whole etcd keyspace, so they jump when anyone writes
/// anywhere in that etcd. A write that changes nothing (deleting a missing key) does not advance them.
///
/// Fencing: while a fence is set (`setFence`), every write carries the compare
/// `create_revision(fence.key) == fence.createRevision`; if that compare fails the write throws
/// `StoreError.fenced` — the server has lost its leadership and must step down.
///
/// Limits: etcd refuses transactions with more than `--max-txn-ops` (128) compares or operations
/// and requests over `--max-request-bytes` (1.5 MiB). One compare and one read are reserved for the
/// fence, so `maxOperationsPerTransaction` is `maxTxnOps - 1`; larger transactions throw
/// `StoreError.tooManyOperations` before anything is sent, and values over about 1.5 MiB throw
/// `StoreError.backend` naming the key.
///
/// The client belongs to the caller: `close()` stops this store, not the client.
public final class EtcdStore: StateStore {
    /// The etcd client this store talks through.
    public let client: EtcdClient
    /// The etcd key prefix every store key is put under, e.g. `/wharf/v1/`.
    public let prefix: String
    /// See `StateStore.maxOperationsPerTransaction`.
    public let maxOperationsPerTransaction: Int
    /// Values larger than this are refused before they are sent (etcd's default request limit is
    /// 1.5 MiB for the whole request, key and header included).
    public let maxValueBytes: Int
    /// How many keys one request of `list(prefix:)` reads.
    let pageSize: Int64
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var fence: EtcdFence?
        var isClosed = false
    }

    /// Creates a store under `prefix` in the etcd that `client` talks to.
    ///
    /// - Parameters:
    ///   - client: The etcd client (owned by the caller, who shuts it down).
    ///   - prefix: Put before every store key; give each Wharf installation sharing one etcd its own.
    ///   - maxTxnOps: etcd's `--max-txn-ops` (128 by default); the store accepts one operation less.
    ///   - maxValueBytes: The largest value accepted (a little under etcd's 1.5 MiB request limit).
    ///   - pageSize: Keys read per request when listing.
    ///   - logger: Receives list restarts and fencing failures.
    public init(
        client: EtcdClient, prefix: String = "/wharf/v1/", maxTxnOps: Int = 128,
        maxValueBytes: Int = 1_536 * 1_024 - 8 * 1_024, pageSize: Int64 = 1_000, logger: Logger
    ) {
        self.client = client
        self.prefix = prefix
        self.maxOperationsPerTransaction = max(1, maxTxnOps - 1)
        self.maxValueBytes = maxValueBytes
        self.pageSize = max(1, pageSize)
        var logger = logger
        logger[metadataKey: "etcd-prefix"] = "\(prefix)"
        self.logger = logger
    }

    /// Sets (or, with nil, removes) the fence every later write carries.
    public func setFence(_ fence: EtcdFence?) {
        state.withLockedValue { $0.fence = fence }
    }

    /// The fence writes currently carry.
    public var fence: EtcdFence? {
        state.withLockedValue { $0.fence }
    }

    // MARK: - Reads

    /// See `StateStore.get(_:)`.
    public func get(_ key: String) async throws -> StoredValue? {
        try checkOpen()
        try StoreKeyRules.validate(key: key)
        let result = try await backend { try await client.range(EtcdRangeRequest(key: prefix + key)) }
        return result.kvs.first.map { StoredValue(key: key, value: $0.value, revision: $0.modRevision) }
    }

    /// See `StateStore.list(prefix:)`. Reads in pages of `pageSize` keys, every page at the revision
    /// of the first, so the list is one consistent snapshot; if that revision is compacted meanwhile,
    /// the listing starts again.
    public func list(prefix listPrefix: String) async throws -> [StoredValue] {
        try checkOpen()
        try StoreKeyRules.validate(prefix: listPrefix)
        let start = prefix + listPrefix
        let end = EtcdKeys.prefixEnd(start)
        while true {
            do {
                return try await listSnapshot(from: start, to: end).values
            } catch EtcdError.compacted {
                logger.info("the revision of a listing was compacted; listing again", metadata: ["list-prefix": "\(listPrefix)"])
                try Task.checkCancellation()
            } catch let error as EtcdError {
                throw Self.storeError(error)
            }
        }
    }

    /// Every key in `[start, end)` at one revision, read in pages; throws `EtcdError.compacted` when
    /// that revision is compacted before the last page.
    func listSnapshot(from start: String, to end: [UInt8]) async throws -> (values: [StoredValue], revision: Int64) {
        var values: [StoredValue] = []
        var revision: Int64 = 0
        var from = start
        while true {
            let page = try await client.range(EtcdRangeRequest(key: from, rangeEnd: end, limit: pageSize, revision: revision))
            if revision == 0 { revision = page.header.revision }
            for kv in page.kvs {
                values.append(StoredValue(key: storeKey(kv.key), value: kv.value, revision: kv.modRevision))
            }
            guard page.more, let last = page.kvs.last else { return (values, revision) }
            from = EtcdKeys.successor(of: last.key)
        }
    }

    /// See `StateStore.currentRevision()`: etcd's current revision (store-wide, never 0 once etcd started).
    public func currentRevision() async throws -> Int64 {
        try checkOpen()
        let result = try await backend {
            try await client.range(EtcdRangeRequest(key: prefix, rangeEnd: EtcdKeys.prefixEnd(prefix), countOnly: true))
        }
        return result.header.revision
    }

    // MARK: - Writes

    /// See `StateStore.put(_:_:expectedRevision:)`.
    @discardableResult
    public func put(_ key: String, _ value: Data, expectedRevision: Int64?) async throws -> Int64 {
        try await write([.put(key: key, value: value, expectedRevision: expectedRevision)]).header.revision
    }

    /// See `StateStore.delete(_:expectedRevision:)`.
    @discardableResult
    public func delete(_ key: String, expectedRevision: Int64?) async throws -> Bool {
        let result = try await write([.delete(key: key, expectedRevision: expectedRevision)])
        return result.responses.contains { response in
            if case let .deleteRange(deleted) = response { deleted.deleted > 0 } else { false }
        }
    }

    /// See `StateStore.transaction(_:)`.
    @discardableResult
    public func transaction(_ operations: [StoreOperation]) async throws -> Int64 {
        if operations.isEmpty { return try await currentRevision() }
        return try await write(operations).header.revision
    }

    /// Marks the store closed; later calls throw `StoreError.closed`. The client stays open.
    public func close() async throws {
        state.withLockedValue { $0.isClosed = true }
    }

    // MARK: - Internals

    func checkOpen() throws {
        if state.withLockedValue({ $0.isClosed }) { throw StoreError.closed }
    }

    /// The store key of an etcd key under `prefix`.
    func storeKey(_ etcdKey: String) -> String {
        String(decoding: Array(etcdKey.utf8.dropFirst(prefix.utf8.count)), as: UTF8.self)
    }

    /// Runs an etcd request, reporting etcd's errors as `StoreError` (`storeError(_:)`).
    func backend<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EtcdError {
            throw Self.storeError(error)
        }
    }

    /// etcd's error as the store reports it: `unavailable` when no member answered (in time),
    /// `backend` otherwise.
    static func storeError(_ error: EtcdError) -> StoreError {
        if case let .unavailable(message) = error { return .unavailable(message) }
        return .backend(error.description)
    }
}

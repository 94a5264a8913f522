import Foundation

/// One stored key with its value and the store revision at which it was last written.
public struct StoredValue: Sendable, Hashable {
    /// The full key, e.g. `apps/web/versions/2024-05-01T10:00:00Z`.
    public var key: String
    /// The stored bytes, exactly as written (stores never interpret them).
    public var value: Data
    /// The revision of the commit that last wrote the key. Revisions are store-wide and strictly
    /// increase with every commit that changes something; they may jump (etcd: other writers, leases).
    public var revision: Int64

    /// Creates a value as a store returns it.
    public init(key: String, value: Data, revision: Int64) {
        self.key = key
        self.value = value
        self.revision = revision
    }
}

/// A condition and a write, applied atomically with others in `StateStore.transaction`.
public enum StoreOperation: Sendable, Hashable {
    /// Write `value` under `key`. With `expectedRevision`, the write only happens if the key's current
    /// revision equals it; `0` means "the key must not exist".
    case put(key: String, value: Data, expectedRevision: Int64? = nil)
    /// Remove `key` (no error if absent, unless `expectedRevision` is given and does not match).
    case delete(key: String, expectedRevision: Int64? = nil)
    /// Remove every key starting with `prefix`.
    case deletePrefix(String)
}

/// Errors a store reports.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// A compare-and-swap condition did not hold; nothing in the transaction was applied.
    case conflict(key: String, expected: Int64, actual: Int64)
    /// The backing database failed (disk full, corrupt file, I/O error).
    case backend(String)
    /// The store's schema is newer than this binary understands.
    case unsupportedSchema(found: Int, supported: Int)
    /// A key or prefix cannot be stored: keys must be non-empty and must not contain NUL characters.
    case invalidKey(key: String, reason: String)
    /// The store was closed; open a new one to continue.
    case closed
    /// A transaction has more operations than the store accepts at once (`StateStore.maxOperationsPerTransaction`);
    /// nothing was applied. Split the work into smaller atomic batches.
    case tooManyOperations(count: Int, limit: Int)
    /// The write was refused because it was fenced by a leader election this server no longer holds
    /// (etcd: the election key's create revision changed); nothing was applied. Step down.
    case fenced(String)
    /// The store could not be reached (etcd: no endpoint answered, or the answer did not come in
    /// time); a write may or may not have been applied — the caller reads back before trusting
    /// either. Retrying later helps.
    case unavailable(String)

    /// A message an operator can act on.
    public var description: String {
        switch self {
        case let .conflict(key, expected, actual):
            return "revision conflict on '\(key)': expected \(expected), found \(actual)"
        case let .backend(message): return "state store error: \(message)"
        case let .unsupportedSchema(found, supported):
            return "state store schema version \(found) is newer than this wharf supports (\(supported))"
        case let .invalidKey(key, reason): return "invalid state store key \(key.debugDescription): \(reason)"
        case .closed: return "state store is closed"
        case let .tooManyOperations(count, limit):
            return "a state store transaction of \(count) operations exceeds the store's limit of \(limit); split it into smaller transactions"
        case let .fenced(message): return "this server is no longer the leader: \(message)"
        case let .unavailable(message): return "state store unavailable: \(message)"
        }
    }
}

/// Durable key-value state of the control plane: app versions, deployments, instance records.
///
/// When a write method returns, the write is durable (survives `kill -9` and power loss).
/// Implementations: `SQLiteStore` (one node), `MemoryStore` (unit tests of other modules), `EtcdStore`
/// (in `WharfEtcd`, for several servers). Keys are compared and ordered by their UTF-8 bytes (not by
/// Unicode canonical equivalence); they must be non-empty and free of NUL.
///
/// Revisions: every commit that changes something gets a revision higher than every revision before
/// it, and the keys it writes carry that revision. Revisions are store-wide and need not be
/// consecutive: they may jump (other writers under other prefixes of one etcd, leases, elections).
/// A write that changes nothing (deleting a missing key) may or may not produce a new revision.
public protocol StateStore: Sendable {
    /// The value under `key`, or nil.
    func get(_ key: String) async throws -> StoredValue?
    /// All keys starting with `prefix`, in key order.
    func list(prefix: String) async throws -> [StoredValue]
    /// Writes one key; see `StoreOperation.put` for `expectedRevision`. Returns the new revision.
    @discardableResult
    func put(_ key: String, _ value: Data, expectedRevision: Int64?) async throws -> Int64
    /// Deletes one key; returns whether it existed.
    @discardableResult
    func delete(_ key: String, expectedRevision: Int64?) async throws -> Bool
    /// Applies all operations atomically, or none if any condition fails (`StoreError.conflict`).
    /// Returns the revision of the commit.
    ///
    /// Every condition is compared with the state *before* the transaction (as etcd's `Txn` does), so
    /// two operations on one key cannot see each other's revision; the operations are then applied in
    /// order. The first failing condition, in operation order, is the one reported. A transaction
    /// that changes something is one commit with a new revision, returned; one that changes nothing
    /// (only deletes of missing keys, or no operations) may or may not commit, and returns a revision
    /// at least as high as every earlier commit. More than `maxOperationsPerTransaction` operations
    /// throw `StoreError.tooManyOperations` and change nothing.
    @discardableResult
    func transaction(_ operations: [StoreOperation]) async throws -> Int64
    /// The most operations one `transaction` may hold (etcd: 127, one below `--max-txn-ops`, so that
    /// a leader's fencing compare fits; `Int.max` for the embedded stores). Callers split larger work
    /// into several atomic transactions.
    var maxOperationsPerTransaction: Int { get }
    /// A revision at least as high as the latest commit's; 0 for an embedded store that has never been written.
    func currentRevision() async throws -> Int64
    /// Flushes and releases the database.
    func close() async throws
}

extension StateStore {
    /// Writes one key unconditionally; returns the new revision.
    @discardableResult
    public func put(_ key: String, _ value: Data) async throws -> Int64 {
        try await put(key, value, expectedRevision: nil)
    }

    /// Deletes one key unconditionally; returns whether it existed.
    @discardableResult
    public func delete(_ key: String) async throws -> Bool {
        try await delete(key, expectedRevision: nil)
    }
}

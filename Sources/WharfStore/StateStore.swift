import Foundation

/// One stored key with its value and the store revision at which it was last written.
public struct StoredValue: Sendable, Hashable {
    /// The full key, e.g. `apps/web/versions/2024-05-01T10:00:00Z`.
    public var key: String
    /// The stored bytes, exactly as written (stores never interpret them).
    public var value: Data
    /// Monotonic per store: every committed write gets a higher revision than all before it.
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
        }
    }
}

/// Durable key-value state of the control plane: app versions, deployments, instance records.
///
/// When a write method returns, the write is durable (survives `kill -9` and power loss).
/// Implementations: `SQLiteStore` (one node), `MemoryStore` (unit tests of other modules); an
/// etcd-backed store for HA arrives with `wharf server`. Keys are compared and ordered by their UTF-8
/// bytes (not by Unicode canonical equivalence); they must be non-empty and free of NUL.
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
    /// order. The first failing condition, in operation order, is the one reported. Every non-empty
    /// transaction is one commit with a new revision, even if it changed nothing (deleting a missing
    /// key); an empty transaction commits nothing and returns the current revision.
    @discardableResult
    func transaction(_ operations: [StoreOperation]) async throws -> Int64
    /// The revision of the latest commit; 0 for a store that has never been written.
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

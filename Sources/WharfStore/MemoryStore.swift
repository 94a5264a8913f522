import Foundation

/// An in-memory `StateStore` with the same semantics as `SQLiteStore` (revisions, compare-and-swap,
/// atomic transactions, key order by UTF-8 bytes), for unit tests of the modules that use a store.
///
/// Nothing is durable: the contents vanish with the instance. Every method runs on the actor and
/// never suspends in the middle of a write, so a transaction is atomic by construction.
public actor MemoryStore: StateStore {
    private struct Entry {
        var value: Data
        var revision: Int64
    }

    private var entries: [ByteOrderedKey: Entry] = [:]
    /// All keys in byte order; nil after a key was added or removed, rebuilt by the next `list`.
    /// Updates of existing keys keep it valid, so steady-state listing costs no sort.
    private var sortedKeys: [ByteOrderedKey]? = []
    private var revision: Int64 = 0
    private var isClosed = false

    /// See `StateStore.maxOperationsPerTransaction`.
    public nonisolated let maxOperationsPerTransaction: Int

    /// Creates an empty store at revision 0.
    ///
    /// - Parameter maxOperationsPerTransaction: Refuse larger transactions, as etcd does; unit tests of
    ///   callers that split their work set a small limit. Unlimited by default.
    public init(maxOperationsPerTransaction: Int = .max) {
        self.maxOperationsPerTransaction = maxOperationsPerTransaction
    }

    /// See `StateStore.get(_:)`.
    public func get(_ key: String) async throws -> StoredValue? {
        try checkOpen()
        try StoreKeyRules.validate(key: key)
        return entries[ByteOrderedKey(key)].map { StoredValue(key: key, value: $0.value, revision: $0.revision) }
    }

    /// See `StateStore.list(prefix:)`.
    public func list(prefix: String) async throws -> [StoredValue] {
        try checkOpen()
        try StoreKeyRules.validate(prefix: prefix)
        let keys = orderedKeys()
        var index = lowerBoundIndex(of: ByteOrderedKey(prefix), in: keys)
        var result: [StoredValue] = []
        while index < keys.count, keys[index].hasBytePrefix(prefix) {
            let key = keys[index]
            if let entry = entries[key] {
                result.append(StoredValue(key: key.string, value: entry.value, revision: entry.revision))
            }
            index += 1
        }
        return result
    }

    /// See `StateStore.put(_:_:expectedRevision:)`.
    @discardableResult
    public func put(_ key: String, _ value: Data, expectedRevision: Int64?) async throws -> Int64 {
        try apply([.put(key: key, value: value, expectedRevision: expectedRevision)]).revision
    }

    /// See `StateStore.delete(_:expectedRevision:)`.
    @discardableResult
    public func delete(_ key: String, expectedRevision: Int64?) async throws -> Bool {
        try apply([.delete(key: key, expectedRevision: expectedRevision)]).deletedKeys > 0
    }

    /// See `StateStore.transaction(_:)`.
    @discardableResult
    public func transaction(_ operations: [StoreOperation]) async throws -> Int64 {
        try apply(operations).revision
    }

    /// See `StateStore.currentRevision()`.
    public func currentRevision() async throws -> Int64 {
        try checkOpen()
        return revision
    }

    /// Marks the store closed; later calls throw `StoreError.closed`. Closing twice is harmless.
    public func close() async throws {
        isClosed = true
    }

    // MARK: - Internals

    private func checkOpen() throws {
        if isClosed { throw StoreError.closed }
    }

    /// Checks every condition, then applies every operation; all synchronous, so atomic on the actor.
    private func apply(_ operations: [StoreOperation]) throws -> (revision: Int64, deletedKeys: Int) {
        try checkOpen()
        for operation in operations { try operation.validate() }
        try operations.checkCount(limit: maxOperationsPerTransaction)
        guard !operations.isEmpty else { return (revision, 0) }
        if let conflict = StoreOperation.firstConflict(in: operations, currentRevision: { key in
            entries[ByteOrderedKey(key)]?.revision ?? 0
        }) {
            throw conflict
        }

        revision += 1
        var deleted = 0
        for operation in operations {
            switch operation {
            case let .put(key, value, _):
                let storeKey = ByteOrderedKey(key)
                if entries.updateValue(Entry(value: value, revision: revision), forKey: storeKey) == nil {
                    sortedKeys = nil
                }
            case let .delete(key, _):
                if entries.removeValue(forKey: ByteOrderedKey(key)) != nil {
                    deleted += 1
                    sortedKeys = nil
                }
            case let .deletePrefix(prefix):
                let keys = orderedKeys()
                var index = lowerBoundIndex(of: ByteOrderedKey(prefix), in: keys)
                while index < keys.count, keys[index].hasBytePrefix(prefix) {
                    if entries.removeValue(forKey: keys[index]) != nil { deleted += 1 }
                    index += 1
                }
                sortedKeys = nil
            }
        }
        return (revision, deleted)
    }

    private func orderedKeys() -> [ByteOrderedKey] {
        if let sortedKeys { return sortedKeys }
        let keys = entries.keys.sorted()
        sortedKeys = keys
        return keys
    }

    /// Index of the first key not less than `key` (binary search).
    private func lowerBoundIndex(of key: ByteOrderedKey, in keys: [ByteOrderedKey]) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

import Foundation
import WharfStore

/// A read-only `StateStore` over a snapshot of every record (a follower's `EtcdMirror`), from
/// which a new leader loads its state without reading it all from etcd again. Writes are refused:
/// the control plane writes to the real store.
struct SnapshotStore: StateStore {
    /// The records, in key order (by UTF-8 bytes).
    let values: [StoredValue]
    let revision: Int64

    var maxOperationsPerTransaction: Int { 0 }

    func get(_ key: String) async throws -> StoredValue? {
        let index = lowerBound(key)
        return index < values.count && values[index].key == key ? values[index] : nil
    }

    func list(prefix: String) async throws -> [StoredValue] {
        var index = lowerBound(prefix)
        var result: [StoredValue] = []
        while index < values.count, values[index].key.utf8.starts(with: prefix.utf8) {
            result.append(values[index])
            index += 1
        }
        return result
    }

    func put(_ key: String, _ value: Data, expectedRevision: Int64?) async throws -> Int64 { throw Self.readOnly }

    func delete(_ key: String, expectedRevision: Int64?) async throws -> Bool { throw Self.readOnly }

    func transaction(_ operations: [StoreOperation]) async throws -> Int64 { throw Self.readOnly }

    func currentRevision() async throws -> Int64 { revision }

    func close() async throws {}

    private static let readOnly = StoreError.backend("a snapshot of the state is read-only")

    /// The index of the first record whose key is not below `key` (binary search, byte order).
    private func lowerBound(_ key: String) -> Int {
        var low = 0, high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid].key.utf8.lexicographicallyPrecedes(key.utf8) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

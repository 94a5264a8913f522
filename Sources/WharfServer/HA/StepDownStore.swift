import Foundation
import WharfStore

/// The store a leader's control plane writes through: the leader's fenced `EtcdStore`, which tells
/// the leadership when a write was refused because this server no longer holds its election key,
/// so that it steps down at once instead of carrying on as a leader nobody follows.
struct StepDownStore: StateStore {
    let base: any StateStore
    /// Called with the store's reason on every fenced write.
    let onFenced: @Sendable (String) -> Void

    var maxOperationsPerTransaction: Int { base.maxOperationsPerTransaction }

    func get(_ key: String) async throws -> StoredValue? { try await base.get(key) }

    func list(prefix: String) async throws -> [StoredValue] { try await base.list(prefix: prefix) }

    @discardableResult
    func put(_ key: String, _ value: Data, expectedRevision: Int64?) async throws -> Int64 {
        try await watching { try await base.put(key, value, expectedRevision: expectedRevision) }
    }

    @discardableResult
    func delete(_ key: String, expectedRevision: Int64?) async throws -> Bool {
        try await watching { try await base.delete(key, expectedRevision: expectedRevision) }
    }

    @discardableResult
    func transaction(_ operations: [StoreOperation]) async throws -> Int64 {
        try await watching { try await base.transaction(operations) }
    }

    func currentRevision() async throws -> Int64 { try await base.currentRevision() }

    /// The etcd client is shared with the leadership, which closes it: nothing to release here.
    func close() async throws {}

    private func watching<T>(_ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as StoreError {
            if case let .fenced(reason) = error { onFenced(reason) }
            throw error
        }
    }
}

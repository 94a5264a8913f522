import Foundation
import Testing
@testable import WharfStore

/// `MemoryStore`'s optional transaction limit, which lets callers' unit tests check that they split
/// their work as they must for etcd.
@Suite("MemoryStore transaction limit", .timeLimit(.minutes(1)))
struct MemoryStoreLimitTests {
    @Test func largerTransactionsAreRefusedWhole() async throws {
        let store = MemoryStore(maxOperationsPerTransaction: 3)
        #expect(store.maxOperationsPerTransaction == 3)
        let operations = (0..<4).map { StoreOperation.put(key: "k\($0)", value: Data(text: "v")) }
        await #expect(throws: StoreError.tooManyOperations(count: 4, limit: 3)) {
            try await store.transaction(operations)
        }
        #expect(try await store.list(prefix: "").isEmpty)
        #expect(try await store.currentRevision() == 0)
        try await store.transaction(Array(operations.prefix(3)))
        #expect(try await store.list(prefix: "").count == 3)
        #expect(StoreError.tooManyOperations(count: 4, limit: 3).description.contains("split"))
    }
}

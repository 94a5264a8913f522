import Foundation
import Testing
@testable import WharfStore

/// The contract of `StateStore`, run against every implementation (`StoreFactory.all`: memory,
/// SQLite, and etcd when it is installed or `WHARF_REQUIRE_ETCD=1`).
///
/// Revisions are only assumed to increase strictly with every commit that changes something: they
/// are store-wide and may jump (etcd shares its revision counter with every other writer, and the
/// etcd runs share one etcd member), and a write that changes nothing may or may not commit.
@Suite("StateStore behaviour", .timeLimit(.minutes(3)))
struct StateStoreBehaviourTests {
    @Test(arguments: StoreFactory.all)
    func putGetDelete(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.get("apps/web") == nil)
            let start = try await store.currentRevision()

            let revision = try await store.put("apps/web", Data(text: "v1"))
            #expect(revision > start)
            let stored = try #require(try await store.get("apps/web"))
            #expect(stored == StoredValue(key: "apps/web", value: Data(text: "v1"), revision: revision))

            let second = try await store.put("apps/web", Data(text: "v2"))
            #expect(second > revision)
            #expect(try await store.get("apps/web")?.text == "v2")
            #expect(try await store.get("apps/web")?.revision == second)

            #expect(try await store.delete("apps/web") == true)
            #expect(try await store.get("apps/web") == nil)
            #expect(try await store.delete("apps/web") == false)
        }
    }

    @Test(arguments: StoreFactory.all)
    func valuesAreRawBytes(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let binary = Data((0...255).map { UInt8($0) } + [0, 0, 255])
            try await store.put("binary", binary)
            try await store.put("empty", Data())
            #expect(try await store.get("binary")?.value == binary)
            #expect(try await store.get("empty")?.value == Data())
            #expect(try await store.list(prefix: "").map(\.value) == [binary, Data()])
        }
    }

    @Test(arguments: StoreFactory.all)
    func revisionsIncreaseWithEveryCommit(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            var last = try await store.currentRevision()
            var lastWriteOfK0: Int64 = 0
            for index in 0..<10 {
                let revision = try await store.put("k\(index % 3)", Data(text: "\(index)"))
                #expect(revision > last)
                if index % 3 == 0 { lastWriteOfK0 = revision }
                last = revision
            }
            let transactionRevision = try await store.transaction([
                .put(key: "a", value: Data(text: "1")),
                .put(key: "b", value: Data(text: "2")),
            ])
            #expect(transactionRevision > last)
            #expect(try await store.get("a")?.revision == transactionRevision)
            #expect(try await store.get("b")?.revision == transactionRevision)
            // Untouched keys keep the revision of their last write.
            #expect(try await store.get("k0")?.revision == lastWriteOfK0)
            #expect(try await store.currentRevision() >= transactionRevision)
            // An empty transaction changes nothing; it answers a revision no lower than the last commit.
            #expect(try await store.transaction([]) >= transactionRevision)
            // Deleting a missing key changes nothing; it may or may not commit.
            #expect(try await store.delete("missing") == false)
            let afterDelete = try await store.currentRevision()
            #expect(afterDelete >= transactionRevision)
            #expect(try await store.get("a")?.revision == transactionRevision)
            // The next change still gets a higher revision.
            #expect(try await store.put("a", Data(text: "3")) > afterDelete)
        }
    }

    @Test(arguments: StoreFactory.all)
    func compareAndSwap(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            // expectedRevision 0: create only if absent.
            let created = try await store.put("lock", Data(text: "a"), expectedRevision: 0)
            await #expect(throws: StoreError.conflict(key: "lock", expected: 0, actual: created)) {
                try await store.put("lock", Data(text: "b"), expectedRevision: 0)
            }
            #expect(try await store.get("lock")?.text == "a")

            let updated = try await store.put("lock", Data(text: "c"), expectedRevision: created)
            #expect(updated > created)
            await #expect(throws: StoreError.conflict(key: "lock", expected: created, actual: updated)) {
                try await store.put("lock", Data(text: "d"), expectedRevision: created)
            }
            // A missing key has revision 0.
            await #expect(throws: StoreError.conflict(key: "other", expected: 5, actual: 0)) {
                try await store.put("other", Data(text: "x"), expectedRevision: 5)
            }
            #expect(try await store.get("other") == nil)

            await #expect(throws: StoreError.conflict(key: "lock", expected: created, actual: updated)) {
                try await store.delete("lock", expectedRevision: created)
            }
            // A failed condition changes nothing.
            #expect(try await store.get("lock")?.revision == updated)
            #expect(try await store.delete("lock", expectedRevision: updated) == true)
            #expect(try await store.get("lock") == nil)
        }
    }

    @Test(arguments: StoreFactory.all)
    func transactionIsAllOrNothing(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let base = try await store.put("apps/a", Data(text: "old"))
            let bRevision = try await store.put("apps/b", Data(text: "old"))
            try await store.put("tasks/a/1", Data(text: "t"))
            let before = try await store.currentRevision()

            await #expect(throws: StoreError.conflict(key: "apps/b", expected: 0, actual: bRevision)) {
                try await store.transaction([
                    .put(key: "apps/a", value: Data(text: "new"), expectedRevision: base),
                    .put(key: "apps/new", value: Data(text: "new")),
                    .deletePrefix("tasks/"),
                    .delete(key: "apps/b", expectedRevision: 0),
                ])
            }
            #expect(try await store.get("apps/a") == StoredValue(key: "apps/a", value: Data(text: "old"), revision: base))
            #expect(try await store.get("apps/new") == nil)
            #expect(try await store.get("tasks/a/1") != nil)
            #expect(try await store.get("apps/b") != nil)

            // The same transaction with true conditions applies everything at one revision.
            let revision = try await store.transaction([
                .put(key: "apps/a", value: Data(text: "new"), expectedRevision: base),
                .put(key: "apps/new", value: Data(text: "new")),
                .deletePrefix("tasks/"),
                .delete(key: "apps/b", expectedRevision: bRevision),
            ])
            #expect(revision > before)
            #expect(try await store.list(prefix: "").map(\.key) == ["apps/a", "apps/new"])
            #expect(try await store.list(prefix: "").allSatisfy { $0.revision == revision })
        }
    }

    @Test(arguments: StoreFactory.all)
    func conditionsSeeTheStateBeforeTheTransaction(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            // Both operations compare with the pre-transaction state (key absent), then apply in order.
            let revision = try await store.transaction([
                .put(key: "k", value: Data(text: "first"), expectedRevision: 0),
                .put(key: "k", value: Data(text: "second"), expectedRevision: 0),
            ])
            #expect(try await store.get("k") == StoredValue(key: "k", value: Data(text: "second"), revision: revision))
            // Operations apply in order: a put after a deletePrefix survives.
            try await store.transaction([.deletePrefix("k"), .put(key: "k2", value: Data(text: "x"))])
            #expect(try await store.list(prefix: "k").map(\.key) == ["k2"])
        }
    }

    @Test(arguments: StoreFactory.all)
    func deletePrefixRemovesOnlyThePrefix(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            for key in ["apps/a", "apps/a/1", "apps/a/2", "apps/ab", "apps/b", "apps/a\u{10FFFF}", "appsa"] {
                try await store.put(key, Data(text: key))
            }
            try await store.transaction([.deletePrefix("apps/a/")])
            #expect(try await store.list(prefix: "").map(\.key)
                == ["apps/a", "apps/ab", "apps/a\u{10FFFF}", "apps/b", "appsa"])
            try await store.transaction([.deletePrefix("apps/a")])
            #expect(try await store.list(prefix: "").map(\.key) == ["apps/b", "appsa"])
            try await store.transaction([.deletePrefix("")])
            #expect(try await store.list(prefix: "").isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all)
    func listIsOrderedAndRespectsPrefixEdges(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let keys = [
                "apps/b", "apps/a", "apps/a/x", "apps/a0", "apps/a\u{7F}", "apps/a\u{FF}", "apps/a\u{FFFF}",
                "apps/a\u{10FFFF}", "apps/a\u{10FFFF}\u{10FFFF}z", "apps/", "apps", "app", "apps0", "apps/a\u{E9}",
                "apps/ae\u{301}", "\u{10FFFF}", "\u{10FFFF}\u{10FFFF}",
            ]
            for key in keys.shuffled() {
                try await store.put(key, Data(text: key))
            }
            let all = try await store.list(prefix: "")
            let byteOrder = keys.sorted { compareUTF8($0, $1) < 0 }
            #expect(all.map(\.key) == byteOrder)
            #expect(all.allSatisfy { $0.text == $0.key })

            let underA = try await store.list(prefix: "apps/a")
            #expect(underA.map(\.key) == byteOrder.filter { $0.utf8.starts(with: "apps/a".utf8) })
            #expect(underA.count == 10)
            #expect(!underA.contains { $0.key == "apps/b" })

            #expect(try await store.list(prefix: "apps/a/").map(\.key) == ["apps/a/x"])
            #expect(try await store.list(prefix: "apps/a\u{10FFFF}").map(\.key)
                == ["apps/a\u{10FFFF}", "apps/a\u{10FFFF}\u{10FFFF}z"])
            #expect(try await store.list(prefix: "\u{10FFFF}").count == 2)
            #expect(try await store.list(prefix: "apps/c").isEmpty)
            #expect(try await store.list(prefix: "zzz").isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all)
    func canonicallyEquivalentKeysAreDistinct(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.put("caf\u{E9}", Data(text: "precomposed"))
            try await store.put("cafe\u{301}", Data(text: "decomposed"))
            #expect(try await store.list(prefix: "caf").count == 2)
            #expect(try await store.get("caf\u{E9}")?.text == "precomposed")
            #expect(try await store.get("cafe\u{301}")?.text == "decomposed")
        }
    }

    @Test(arguments: StoreFactory.all)
    func invalidKeysAreRejected(_ factory: StoreFactory) async throws {
        try await factory.withStore { (store: any StateStore) async throws in
            await #expect(throws: StoreError.self) { try await store.put("", Data()) }
            await #expect(throws: StoreError.self) { try await store.put("a\u{0}b", Data()) }
            await #expect(throws: StoreError.self) {
                try await store.transaction([.put(key: "ok", value: Data()), .deletePrefix("x\u{0}")])
            }
            #expect(try await store.get("ok") == nil)
            #expect(try await store.list(prefix: "").isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all)
    func closedStoreRefusesWork(_ factory: StoreFactory) async throws {
        try await withTemporaryDirectory { directory in
            let store = try await factory.make(directory)
            try await store.put("k", Data(text: "v"))
            try await store.close()
            try await store.close()
            await #expect(throws: StoreError.closed) { try await store.get("k") }
            await #expect(throws: StoreError.closed) { try await store.put("k", Data()) }
        }
    }

    /// 8 tasks each add 1 to a counter 25 times with a read / compare-and-swap retry loop; a lost
    /// update would leave the counter below 200.
    @Test(arguments: StoreFactory.all)
    func concurrentCompareAndSwapLosesNoUpdates(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let tasks = 8, increments = 25
            let initial = try await store.put("counter", Data(text: "0"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        for _ in 0..<increments {
                            while true {
                                let current = try #require(try await store.get("counter"))
                                let next = (Int(current.text) ?? -1) + 1
                                do {
                                    try await store.put("counter", Data(text: "\(next)"), expectedRevision: current.revision)
                                    break
                                } catch StoreError.conflict {
                                    continue
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let final = try #require(try await store.get("counter"))
            #expect(final.text == "\(tasks * increments)")
            // Every increment is a commit of its own, so the revision advanced at least that often.
            #expect(final.revision - initial >= Int64(tasks * increments))
        }
    }

    @Test(arguments: StoreFactory.all)
    func bulkListOfManyKeys(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let count = 20_000
            var operations: [StoreOperation] = []
            for index in 0..<count {
                operations.append(.put(key: "instances/\(String(format: "%06d", index))", value: Data(text: "{\"i\":\(index)}")))
            }
            // In batches the store accepts (etcd: at most 127 operations per transaction).
            let batch = min(count / 2, store.maxOperationsPerTransaction)
            for start in stride(from: 0, to: count, by: batch) {
                try await store.transaction(Array(operations[start..<min(start + batch, count)]))
            }
            let listed = try await store.list(prefix: "instances/")
            #expect(listed.count == count)
            #expect(listed.first?.key == "instances/000000")
            #expect(listed.last?.key == "instances/\(String(format: "%06d", count - 1))")
            #expect(zip(listed, listed.dropFirst()).allSatisfy { compareUTF8($0.key, $1.key) < 0 })
        }
    }

    @Test(arguments: StoreFactory.all)
    func transactionsOverTheLimitChangeNothing(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let limit = store.maxOperationsPerTransaction
            guard limit < 100_000 else {
                #expect(limit == Int.max)
                return
            }
            let operations = (0...limit).map { StoreOperation.put(key: "batch/\($0)", value: Data(text: "x")) }
            await #expect(throws: StoreError.tooManyOperations(count: limit + 1, limit: limit)) {
                try await store.transaction(operations)
            }
            #expect(try await store.list(prefix: "batch/").isEmpty)
            try await store.transaction(Array(operations.dropLast()))
            #expect(try await store.list(prefix: "batch/").count == limit)
        }
    }
}

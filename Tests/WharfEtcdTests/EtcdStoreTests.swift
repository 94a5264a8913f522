import Foundation
import Testing
import WharfEtcd
import WharfEtcdTestSupport
import WharfStore

/// What `EtcdStore` adds to the common behaviour suite (which runs it as well): fencing, etcd's
/// limits, paged listing.
@Suite("EtcdStore", .enabled(if: EtcdTestCluster.shouldRun), .timeLimit(.minutes(3)))
struct EtcdStoreTests {
    @Test func fencedWritesFailOnceTheLeaderKeyIsGone() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let store = EtcdStore(client: client, prefix: prefix + "store/", logger: EtcdTestEnvironment.logger)
            let lease = try await client.grantLease(ttlSeconds: 10)
            let leaderKey = prefix + "election/\(String(lease.id, radix: 16))"
            let epoch = try await client.put(key: leaderKey, value: Data(), lease: lease.id).header.revision
            store.setFence(EtcdFence(key: leaderKey, createRevision: epoch))

            let first = try await store.put("apps/a", Data("1".utf8))
            try await store.transaction([.put(key: "apps/b", value: Data()), .delete(key: "apps/a", expectedRevision: first)])
            // A condition that fails under a valid fence is a conflict.
            await #expect(throws: StoreError.conflict(key: "apps/b", expected: 1, actual: try #require(try await store.get("apps/b")).revision)) {
                try await store.put("apps/b", Data(), expectedRevision: 1)
            }

            try await client.revokeLease(lease.id)
            for write in [
                { try await store.put("apps/c", Data()) },
                { try await store.put("apps/b", Data(), expectedRevision: 1) },  // the fence is reported first
                { try await store.transaction([.deletePrefix("apps/")]) },
                { Int64(try await store.delete("apps/b") ? 1 : 0) },
            ] as [@Sendable () async throws -> Int64] {
                do {
                    _ = try await write()
                    Issue.record("a fenced write succeeded")
                } catch let StoreError.fenced(message) {
                    #expect(message.contains(leaderKey))
                }
            }
            #expect(try await store.list(prefix: "").map(\.key) == ["apps/b"])
            #expect(StoreError.fenced("x").description.hasPrefix("this server is no longer the leader"))

            // A new leader key (higher epoch) is a different fence; the old one stays refused.
            let newLease = try await client.grantLease(ttlSeconds: 10)
            let newEpoch = try await client.put(key: leaderKey, value: Data(), lease: newLease.id).header.revision
            await #expect(throws: StoreError.self) { try await store.put("apps/c", Data()) }
            store.setFence(EtcdFence(key: leaderKey, createRevision: newEpoch))
            try await store.put("apps/c", Data())
            store.setFence(nil)
            try await store.put("apps/d", Data())
            #expect(try await store.list(prefix: "apps/").count == 3)
            try await client.revokeLease(newLease.id)
        }
    }

    @Test func limitsAreCheckedBeforeSending() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let store = EtcdStore(client: client, prefix: prefix, logger: EtcdTestEnvironment.logger)
            #expect(store.maxOperationsPerTransaction == 127)
            // 127 conditional writes plus the fence make 128 compares: the most etcd accepts.
            let lease = try await client.grantLease(ttlSeconds: 10)
            let epoch = try await client.put(key: prefix + "leader", value: Data(), lease: lease.id).header.revision
            store.setFence(EtcdFence(key: prefix + "leader", createRevision: epoch))
            let operations = (0..<127).map { StoreOperation.put(key: "k/\($0)", value: Data(), expectedRevision: 0) }
            try await store.transaction(operations)
            #expect(try await store.list(prefix: "k/").count == 127)
            await #expect(throws: StoreError.conflict(key: "k/0", expected: 0, actual: try #require(try await store.get("k/0")).revision)) {
                try await store.transaction(operations)
            }

            do {
                try await store.put("huge", Data(count: 1_600_000))
                Issue.record("a 1.6 MB value was accepted")
            } catch let StoreError.backend(message) {
                #expect(message.contains("'huge'") && message.contains("1600000 bytes"))
            }
            #expect(try await store.get("huge") == nil)
            // Values under the limit go through.
            try await store.put("large", Data(count: store.maxValueBytes))
            #expect(try await store.get("large")?.value.count == store.maxValueBytes)
            try await client.revokeLease(lease.id)
        }
    }

    @Test func listingPagesReadOneSnapshot() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let store = EtcdStore(client: client, prefix: prefix, pageSize: 3, logger: EtcdTestEnvironment.logger)
            for index in 0..<10 {
                try await store.put("i/\(index)", Data("\(index)".utf8))
            }
            try await store.put("j", Data())
            let listed = try await store.list(prefix: "i/")
            #expect(listed.map(\.key) == (0..<10).map { "i/\($0)" })
            #expect(listed.map { String(decoding: $0.value, as: UTF8.self) } == (0..<10).map { "\($0)" })
            // Keys are stored under the prefix, one etcd key each.
            #expect(try await client.range(.prefix(prefix + "i/")).count == 10)
        }
    }
}

import Foundation
import Testing
import WharfEtcd
import WharfEtcdTestSupport
import WharfStore

/// A follower's copy of the store: listed, then kept current by a watch, through a paused member and
/// a compaction; a snapshot is only handed out once it is complete up to a revision.
@Suite("EtcdMirror", .enabled(if: EtcdTestCluster.shouldRun), .timeLimit(.minutes(3)))
struct EtcdMirrorTests {
    @Test func followsPutsAndDeletesAndAnswersSnapshotsOnceCurrent() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let store = EtcdStore(client: client, prefix: prefix + "state/", logger: EtcdTestEnvironment.logger)
            try await store.put("apps/a", Data("1".utf8))
            try await store.put("apps/b", Data("2".utf8))
            let mirror = EtcdMirror(store: store, logger: EtcdTestEnvironment.logger)
            let running = Task { await mirror.run() }
            defer { running.cancel() }

            try await store.put("apps/c", Data("3".utf8))
            try await store.delete("apps/a")
            let last = try await store.put("instances/x", Data("4".utf8))
            let snapshot = try #require(await mirror.snapshot(atLeast: last, timeout: .seconds(10)))
            #expect(snapshot.revision >= last)
            #expect(snapshot.values.map(\.key) == ["apps/b", "apps/c", "instances/x"])
            #expect(snapshot.values.map { String(decoding: $0.value, as: UTF8.self) } == ["2", "3", "4"])
            // Revisions are the records' own, as the store reports them.
            #expect(snapshot.values.last?.revision == last)
            #expect(try await store.list(prefix: "").map(\.revision) == snapshot.values.map(\.revision))

            // A revision the copy cannot reach (nobody writes it) is not waited for beyond the timeout.
            #expect(await mirror.snapshot(atLeast: last + 1_000_000, timeout: .milliseconds(300)) == nil)
        }
    }

    @Test func keepsUpThroughAPausedMemberAndACompaction() async throws {
        let cluster = try await EtcdTestCluster.start(size: 1)
        defer { cluster.stop() }
        let client = EtcdClient(endpoints: cluster.clientURLs, logger: EtcdTestEnvironment.logger)
        let store = EtcdStore(client: client, prefix: "/mirror-test/", logger: EtcdTestEnvironment.logger)
        try await store.put("k/1", Data("a".utf8))
        let mirror = EtcdMirror(store: store, logger: EtcdTestEnvironment.logger)
        let running = Task { await mirror.run() }
        let first = try await store.put("k/2", Data("b".utf8))
        #expect(await mirror.snapshot(atLeast: first, timeout: .seconds(10))?.values.count == 2)

        // Freeze etcd's member for a moment (the watch stalls), then write, compact and write on.
        cluster.members[0].pause()
        try await Task.sleep(for: .milliseconds(200))
        cluster.members[0].resume()
        for n in 3...6 { try await store.put("k/\(n)", Data("\(n)".utf8)) }
        let current = try await store.currentRevision()
        try await client.compact(revision: current)
        try await store.delete("k/1")
        let last = try await store.put("k/7", Data("7".utf8))
        let snapshot = try #require(await mirror.snapshot(atLeast: last, timeout: .seconds(10)))
        #expect(snapshot.values.map(\.key) == ["k/2", "k/3", "k/4", "k/5", "k/6", "k/7"])
        running.cancel()
        _ = await running.value
        await client.shutdown()
    }
}

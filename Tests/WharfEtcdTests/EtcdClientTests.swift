import Foundation
import Testing
import WharfEtcd
import WharfEtcdTestSupport

/// The client against a real etcd (the shared test member).
@Suite("etcd client", .enabled(if: EtcdTestCluster.shouldRun), .timeLimit(.minutes(3)))
struct EtcdClientTests {
    @Test func putRangeDeleteAndTxn() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let put = try await client.put(key: prefix + "a", value: Data("1".utf8))
            try await client.put(key: prefix + "b", value: Data([0, 255]))
            let read = try await client.range(EtcdRangeRequest(key: prefix + "a"))
            #expect(read.kvs.first?.value == Data("1".utf8))
            #expect(read.kvs.first?.modRevision == put.header.revision)
            #expect(read.kvs.first?.createRevision == put.header.revision)
            #expect(read.count == 1)

            let all = try await client.range(.prefix(prefix))
            #expect(all.kvs.map(\.key) == [prefix + "a", prefix + "b"])
            #expect(all.kvs.last?.value == Data([0, 255]))
            let page = try await client.range(.prefix(prefix, limit: 1))
            #expect(page.more && page.count == 2 && page.kvs.count == 1)
            let newest = try await client.range(.prefix(prefix, limit: 1, sortOrder: .descend, sortTarget: .create))
            #expect(newest.kvs.first?.key == prefix + "b")

            // A create-if-absent transaction fails on an existing key and runs its failure branch.
            let failed = try await client.txn(
                compare: [EtcdCompare(key: prefix + "a", target: .create(0))],
                success: [.put(key: prefix + "a", value: Data("2".utf8))],
                failure: [.range(EtcdRangeRequest(key: prefix + "a"))]
            )
            #expect(!failed.succeeded)
            guard case let .range(current)? = failed.responses.first else {
                Issue.record("failure branch did not answer with a range: \(failed.responses)")
                return
            }
            #expect(current.kvs.first?.value == Data("1".utf8))
            let succeeded = try await client.txn(
                compare: [EtcdCompare(key: prefix + "a", target: .mod(put.header.revision))],
                success: [.put(key: prefix + "a", value: Data("2".utf8)), .deleteRange(key: prefix + "b")],
                failure: []
            )
            #expect(succeeded.succeeded)
            #expect(succeeded.header.revision > put.header.revision)
            let deleted = try await client.deleteRange(key: prefix, rangeEnd: EtcdKeys.prefixEnd(prefix))
            #expect(deleted.deleted == 1)
            #expect(try await client.range(.prefix(prefix)).kvs.isEmpty)
        }
    }

    @Test func limitsAreReportedAsTheirOwnErrors() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let puts = (0..<129).map { EtcdRequestOp.put(key: prefix + "k\($0)", value: Data()) }
            await #expect(throws: EtcdError.tooManyOperations) {
                try await client.txn(compare: [], success: puts, failure: [])
            }
            // 128 compares and 128 operations per branch are within the default limit.
            let compares = (0..<128).map { EtcdCompare(key: prefix + "c\($0)", target: .create(0)) }
            let result = try await client.txn(compare: compares, success: Array(puts.prefix(128)), failure: [])
            #expect(result.succeeded)
            await #expect(throws: EtcdError.tooManyOperations) {
                try await client.txn(compare: compares + [EtcdCompare(key: prefix + "x", target: .create(0))], success: [], failure: [])
            }
            await #expect(throws: EtcdError.requestTooLarge) {
                try await client.put(key: prefix + "big", value: Data(count: 1_600_000))
            }
        }
    }

    @Test func leasesGrantRenewRevoke() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let lease = try await client.grantLease(ttlSeconds: 5)
            #expect(lease.ttl == 5)
            try await client.put(key: prefix + "owned", value: Data(), lease: lease.id)
            #expect(try await client.keepAliveOnce(leaseId: lease.id) == 5)
            let live = try await client.leaseTimeToLive(lease.id, keys: true)
            #expect(live.grantedTTL == 5 && live.ttl > 0)
            #expect(live.keys == [prefix + "owned"])
            #expect(try await client.range(EtcdRangeRequest(key: prefix + "owned")).kvs.first?.lease == lease.id)
            try await client.revokeLease(lease.id)
            try await client.revokeLease(lease.id)
            #expect(try await client.keepAliveOnce(leaseId: lease.id) == 0)
            #expect(try await client.leaseTimeToLive(lease.id).ttl == -1)
            #expect(try await client.range(EtcdRangeRequest(key: prefix + "owned")).kvs.isEmpty)
        }
    }

    @Test func watchStreamsChangesAndStopsWhenCancelled() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let start = try await client.put(key: prefix + "before", value: Data("0".utf8)).header.revision
            var iterator = client.watch(.prefix(prefix + "w/", startRevision: start, prevKV: true)).makeAsyncIterator()
            try await client.put(key: prefix + "w/1", value: Data("x".utf8))
            try await client.put(key: prefix + "w/1", value: Data("y".utf8))
            try await client.deleteRange(key: prefix + "w/1")
            var events: [EtcdEvent] = []
            while events.count < 3, let response = try await iterator.next() {
                events += response.events
            }
            #expect(events.map(\.type) == [.put, .put, .delete])
            #expect(events.map(\.kv.key) == Array(repeating: prefix + "w/1", count: 3))
            #expect(events[1].prevKV?.value == Data("x".utf8))
            #expect(events[2].prevKV?.value == Data("y".utf8))
            #expect(events[0].kv.modRevision < events[1].kv.modRevision)

            // Ending the consumer's task ends the stream (and its HTTP request).
            let consumer = Task {
                var count = 0
                for try await _ in client.watch(.prefix(prefix + "never/")) { count += 1 }
                return count
            }
            try await Task.sleep(for: .milliseconds(100))
            consumer.cancel()
            let outcome = await consumer.result
            #expect((try? outcome.get()) == 0 || (try? outcome.get()) == nil)
        }
    }

    /// On an etcd of its own: compacting the shared one would break other tests' watches.
    @Test func watchBelowTheCompactionPointThrowsCompacted() async throws {
        let cluster = try await EtcdTestCluster.start()
        defer { cluster.stop() }
        let client = EtcdClient(endpoints: cluster.clientURLs, logger: EtcdTestEnvironment.logger, requestTimeout: .seconds(10))
        do {
            let first = try await client.put(key: "c", value: Data("1".utf8)).header.revision
            let second = try await client.put(key: "c", value: Data("2".utf8)).header.revision
            try await client.compact(revision: second)
            await #expect(throws: EtcdError.compacted(first)) {
                try await client.range(EtcdRangeRequest(key: "c", revision: first))
            }
            do {
                for try await response in client.watch(EtcdWatchRequest(key: "c", startRevision: first)) {
                    Issue.record("unexpected watch response \(response)")
                }
                Issue.record("the watch ended without an error")
            } catch let EtcdError.compacted(revision) {
                #expect(revision >= second)
            }
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    @Test func clusterInformation() async throws {
        try await EtcdTestEnvironment.withClient { client, _ in
            let members = try await client.memberList()
            #expect(members.count == 1)
            #expect(members.first?.clientURLs == client.endpoints)
            let status = try await client.status()
            #expect(status.version.hasPrefix("3."))
            #expect(status.leader == members.first?.id)
            #expect(status.dbSize > 0)
            #expect(status.raftTerm > 0)
        }
    }

    @Test func unreachableEndpointsAreSkippedAndReported() async throws {
        let cluster = try await EtcdTestCluster.shared()
        let dead = "http://127.0.0.1:\(try EtcdTestCluster.freeLoopbackPort())"
        let client = EtcdClient(endpoints: [dead] + cluster.clientURLs, logger: EtcdTestEnvironment.logger, requestTimeout: .seconds(5))
        // A write whose connection was refused is safe to send to the next endpoint.
        let written: Result<EtcdPutResult, any Error>
        do {
            written = .success(try await client.put(key: "/wharf-etcd-test/failover/\(UUID().uuidString)", value: Data()))
        } catch {
            written = .failure(error)
        }
        await client.shutdown()
        #expect(try written.get().header.revision > 0)
        #expect(client.currentEndpoint == cluster.clientURLs.first)

        let nowhere = EtcdClient(endpoints: [dead], logger: EtcdTestEnvironment.logger, requestTimeout: .seconds(5))
        do {
            _ = try await nowhere.range(EtcdRangeRequest(key: "x"))
            Issue.record("a range on a dead endpoint succeeded")
        } catch let EtcdError.unavailable(message) {
            #expect(message.contains(dead))
        }
        await nowhere.shutdown()
    }
}

import Foundation
import Testing
import WharfEtcd
import WharfEtcdTestSupport
import WharfStore

/// Leader election against a real etcd (the shared test member). The lease is 5 s: long enough
/// that a machine busy with the rest of the suite renews it in time, and long enough apart from
/// "at once" that a resignation is told from an expiry.
@Suite("etcd election", .serialized, .enabled(if: EtcdTestCluster.shouldRun), .timeLimit(.minutes(3)))
struct EtcdElectionTests {
    static let ttl: Int64 = 5

    private func candidate(_ client: EtcdClient, _ prefix: String, _ name: String) -> EtcdElection {
        EtcdElection(client: client, prefix: prefix + "election/", ttlSeconds: Self.ttl, value: Data(name.utf8), logger: EtcdTestEnvironment.logger)
    }

    @Test func oneLeadsTheOtherWaitsAndTakesOverOnResign() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let first = candidate(client, prefix, "a"), second = candidate(client, prefix, "b")
            var leaders = first.observe().makeAsyncIterator()
            #expect(await leaders.next() == .some(nil))

            let firstLeadership = try await first.campaign()
            #expect(first.mayAct())
            #expect(await leaders.next()??.value == Data("a".utf8))
            let waiting = Task { try await second.campaign() }
            // The second candidate's key exists but is younger: it must not lead.
            try await waitUntil("the second candidate's key exists") {
                try await client.range(.prefix(prefix + "election/")).count == 2
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(!second.mayAct())
            #expect(first.mayAct())

            let resigned = ContinuousClock.now
            await first.resign()
            await first.resign()
            let secondLeadership = try await waiting.value
            // Revoked, not expired: the next candidate leads before the lease could have run out.
            #expect(ContinuousClock.now - resigned < .seconds(Self.ttl))
            #expect(secondLeadership.epoch > firstLeadership.epoch)
            #expect(!first.mayAct())
            #expect(second.mayAct())
            #expect(await first.awaitLoss() == "resigned")
            let next = await leaders.next()
            #expect(next??.value == Data("b".utf8) || next == .some(nil))
            await second.resign()
        }
    }

    @Test func aLeaderThatCannotRenewIsReplacedAndFenced() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let first = candidate(client, prefix, "a"), second = candidate(client, prefix, "b")
            let old = try await first.campaign()
            let oldStore = EtcdStore(client: client, prefix: prefix + "state/", logger: EtcdTestEnvironment.logger)
            oldStore.setFence(old.fence)
            try await oldStore.put("apps/a", Data("1".utf8))
            let waiting = Task { try await second.campaign() }

            let paused = ContinuousClock.now
            first.pauseKeepAlivesForTesting(true)
            let reason = await first.awaitLoss()
            #expect(reason.contains("deadline"))
            #expect(!first.mayAct())
            // The deadline is TTL − 0.5 s after the last renewal: lost before etcd expires the lease,
            // which the other candidate waits for.
            let lost = ContinuousClock.now
            #expect(lost - paused < .seconds(Self.ttl))

            let new = try await waiting.value
            #expect(ContinuousClock.now > lost)
            #expect(new.epoch > old.epoch)
            #expect(second.mayAct())

            let newStore = EtcdStore(client: client, prefix: prefix + "state/", logger: EtcdTestEnvironment.logger)
            newStore.setFence(new.fence)
            try await newStore.put("apps/a", Data("2".utf8))
            do {
                try await oldStore.put("apps/a", Data("stale".utf8))
                Issue.record("the deposed leader's write went through")
            } catch let StoreError.fenced(message) {
                #expect(message.contains(old.key))
            }
            #expect(try await newStore.get("apps/a")?.value == Data("2".utf8))
            await second.resign()
            await first.resign()
        }
    }

    @Test func cancellingACampaignRevokesItsLease() async throws {
        try await EtcdTestEnvironment.withClient { client, prefix in
            let leader = candidate(client, prefix, "a"), waiter = candidate(client, prefix, "b")
            _ = try await leader.campaign()
            let campaign = Task { try await waiter.campaign() }
            try await waitUntil("the waiting candidate's key exists") {
                try await client.range(.prefix(prefix + "election/")).count == 2
            }
            campaign.cancel()
            _ = await campaign.result
            try await waitUntil("the cancelled candidate's key is gone") {
                try await client.range(.prefix(prefix + "election/")).count == 1
            }
            #expect(!waiter.mayAct())
            #expect(leader.mayAct())
            await leader.resign()
            #expect(try await client.range(.prefix(prefix + "election/")).count == 0)
        }
    }
}

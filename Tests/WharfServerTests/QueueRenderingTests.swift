import Foundation
import Testing
@testable import WharfServer
import WharfModel
import WharfScheduler

@Suite("Marathon API: /v2/queue and its offer statistics", .timeLimit(.minutes(1)))
struct QueueRenderingTests {
    typealias F = MarathonAPIFixtures

    static func offer(_ agent: String, _ reasons: [NoOfferMatchReason], cpus: Double = 0.5) -> DeclinedOffer {
        DeclinedOffer(agentId: agent, host: "10.0.0.\(agent.count)", attributes: ["rack": "r1"],
                      free: Resources(cpus: cpus, mem: 64, disk: 100),
                      freePorts: [PortRange(begin: 31_000, end: 31_009), PortRange(begin: 31_020, end: 31_020)],
                      reasons: reasons)
    }

    /// Two passes: three agents declined, then one instance placed and two agents declined again.
    static func statistics(for app: AppDefinition) -> LaunchStatistics {
        let waiting = [QueueEntry(appId: app.id, count: 2, reason: .noFit(rejections: [:], agentsConsidered: 3))]
        let first = SchedulerDecisions(waiting: waiting, declinedOffers: [app.id: [
            offer("a1", [.insufficientMemory, .insufficientCpus]), offer("a2", [.insufficientPorts]),
            offer("a3", [.unfulfilledConstraint, .insufficientMemory]),
        ]])
        var all = LaunchStatistics.afterPass([:], decisions: first, evaluated: [app.id], pass: 7, at: F.t0)
        let second = SchedulerDecisions(launches: [F.instance(of: app, 1, state: .staging)], waiting: waiting,
                                        declinedOffers: [app.id: [offer("a1", [.insufficientMemory]), offer("a2", [.insufficientPorts])]])
        all = LaunchStatistics.afterPass(all, decisions: second, evaluated: [app.id], pass: 8, at: F.t0.adding(seconds: 5))
        return all[app.id] ?? LaunchStatistics()
    }

    @Test("statistics: every declined agent is an offer counted under its first funnel reason; placements are used offers")
    func statisticsFold() {
        let app = F.app("/waiting")
        let statistics = Self.statistics(for: app)
        #expect(statistics.processedOffersCount == 6, "3 + 2 declined, 1 used")
        #expect(statistics.unusedOffersCount == 5)
        #expect(statistics.rejectSummaryLaunchAttempt == [.insufficientCpus: 1, .insufficientPorts: 2,
                                                          .unfulfilledConstraint: 1, .insufficientMemory: 1])
        #expect(statistics.rejectSummaryLastOffers == [.insufficientMemory: 1, .insufficientPorts: 1, .unfulfilledConstraint: 1],
                "the last offer per agent")
        #expect(statistics.lastUsedOfferAt == F.t0.adding(seconds: 5))
        #expect(statistics.lastUnusedOfferAt == F.t0.adding(seconds: 5))
        #expect(statistics.lastUnusedOffers["a3"]?.offerId == "a3-O7")
        #expect(statistics.lastUnusedOffers["a1"]?.offerId == "a1-O8")

        // Large clusters: the last offers of at most lastUnusedOffersLimit agents are kept, the newest.
        let limit = LaunchStatistics.lastUnusedOffersLimit
        var big = statistics
        big.record(used: 0, declined: (0..<(limit + 5)).map { Self.offer("b\($0)", [.insufficientCpus]) }, pass: 10,
                   at: F.t0.adding(seconds: 9))
        #expect(big.lastUnusedOffers.count == limit)
        #expect(big.lastUnusedOffers["a1"] == nil, "older offers go first")
        #expect(big.unusedOffersCount == 5 + limit + 5, "counts still count every declined offer")

        // The app no longer waits: its launch attempt is over and the statistics go.
        let other = PathId("/other")
        let done = LaunchStatistics.afterPass([app.id: statistics, other: statistics], decisions: SchedulerDecisions(),
                                              evaluated: [app.id], pass: 9, at: F.t0)
        #expect(done[app.id] == nil)
        // An app the pass did not evaluate keeps its statistics as they were.
        #expect(done[other] == statistics)
    }

    @Test("queue items: Marathon 1.10's keys with role, both reject summaries as funnels, lastUnusedOffers only when embedded")
    func queueItem() throws {
        var app = F.app("/waiting")
        app.role = "web"
        var state = F.state(apps: [app], perApp: 0)
        state.queue[app.id] = QueueEntry(appId: app.id, count: 2, reason: .noFit(rejections: [:], agentsConsidered: 3))
        state.launchStatistics[app.id] = Self.statistics(for: app)
        var session = AppJSONCache().session()
        let document = try #require(try F.json(QueueRenderer.document(state: state, cache: &session, now: F.t0)) as? [String: Any])
        let item = try #require((document["queue"] as? [[String: Any]])?.first)
        #expect(Set(item.keys) == F.queueItemKeys.subtracting(["lastUnusedOffers"]), "\(item.keys)")
        #expect(!F.containsNull(item))
        #expect(item["count"] as? Int == 2)
        #expect(item["role"] as? String == "web")
        #expect((item["app"] as? [String: Any])?["id"] as? String == "/waiting")
        #expect((item["delay"] as? [String: Any])?["overdue"] as? Bool == true)
        let summary = try #require(item["processedOffersSummary"] as? [String: Any])
        #expect(Set(summary.keys) == F.processedOffersSummaryKeys)
        #expect(summary["processedOffersCount"] as? Int == 6)
        #expect(summary["unusedOffersCount"] as? Int == 5)
        #expect(summary["lastUnusedOfferAt"] as? String == F.t0.adding(seconds: 5).iso8601)
        #expect(summary["lastUsedOfferAt"] as? String == F.t0.adding(seconds: 5).iso8601)

        // Marathon's funnel: each step lists what reached it and what it turned down.
        let last = try #require(summary["rejectSummaryLastOffers"] as? [[String: Any]])
        #expect(last.map { $0["reason"] as? String } == NoOfferMatchReason.allCases.map(\.rawValue))
        let constraint = try #require(last.first { $0["reason"] as? String == "UnfulfilledConstraint" })
        #expect(constraint["processed"] as? Int == 3 && constraint["declined"] as? Int == 1)
        let memory = try #require(last.first { $0["reason"] as? String == "InsufficientMemory" })
        #expect(memory["processed"] as? Int == 2 && memory["declined"] as? Int == 1)
        let attempt = try #require(summary["rejectSummaryLaunchAttempt"] as? [[String: Any]])
        let cpus = try #require(attempt.first { $0["reason"] as? String == "InsufficientCpus" })
        #expect(cpus["processed"] as? Int == 5 && cpus["declined"] as? Int == 1, "6 processed, 1 turned down by the constraint")
        let ports = try #require(attempt.first { $0["reason"] as? String == "InsufficientPorts" })
        #expect(ports["declined"] as? Int == 2)

        var embedded = AppJSONCache().session()
        let withOffers = try #require(try F.json(QueueRenderer.document(state: state, cache: &embedded, now: F.t0,
                                                                         lastUnusedOffers: true)) as? [String: Any])
        let offers = try #require((withOffers["queue"] as? [[String: Any]])?.first?["lastUnusedOffers"] as? [[String: Any]])
        #expect(offers.count == 3, "the last declined offer of each agent")
        let a3 = try #require(offers.first { ($0["offer"] as? [String: Any])?["agentId"] as? String == "a3" })
        #expect(Set(a3.keys) == ["offer", "reason", "timestamp"])
        #expect(a3["reason"] as? [String] == ["UnfulfilledConstraint", "InsufficientMemory"])
        #expect(a3["timestamp"] as? String == F.t0.iso8601)
        let offer = try #require(a3["offer"] as? [String: Any])
        #expect(Set(offer.keys) == ["id", "hostname", "agentId", "resources", "attributes"])
        #expect(offer["id"] as? String == "a3-O7")
        let resources = try #require(offer["resources"] as? [[String: Any]])
        #expect(resources.first { $0["name"] as? String == "cpus" }?["scalar"] as? Double == 0.5)
        let portRanges = try #require(resources.first { $0["name"] as? String == "ports" }?["ranges"] as? [[String: Int]])
        #expect(portRanges == [["begin": 31_000, "end": 31_009], ["begin": 31_020, "end": 31_020]])
        #expect(resources.allSatisfy { $0["role"] as? String == "*" })
        #expect((offer["attributes"] as? [[String: String]]) == [["name": "rack", "text": "r1"]])
    }

    @Test("queue items: a launch delay shows in delay; without offers every funnel step is 0")
    func delayed() throws {
        let app = F.app("/crashy")
        var state = F.state(apps: [app], perApp: 0)
        state.queue[app.id] = QueueEntry(appId: app.id, count: 1, reason: .backoff(until: F.t0.adding(seconds: 12.2)))
        var session = AppJSONCache().session()
        let document = try #require(try F.json(QueueRenderer.document(state: state, cache: &session, now: F.t0)) as? [String: Any])
        let item = try #require((document["queue"] as? [[String: Any]])?.first)
        let delay = try #require(item["delay"] as? [String: Any])
        #expect(delay["timeLeftSeconds"] as? Int == 13)
        #expect(delay["overdue"] as? Bool == false)
        let summary = try #require(item["processedOffersSummary"] as? [String: Any])
        #expect(summary["processedOffersCount"] as? Int == 0)
        #expect(summary["lastUnusedOfferAt"] == nil && summary["lastUsedOfferAt"] == nil)
        let attempt = try #require(summary["rejectSummaryLaunchAttempt"] as? [[String: Any]])
        #expect(attempt.count == NoOfferMatchReason.allCases.count)
        #expect(attempt.allSatisfy { $0["declined"] as? Int == 0 && $0["processed"] as? Int == 0 })
    }
}

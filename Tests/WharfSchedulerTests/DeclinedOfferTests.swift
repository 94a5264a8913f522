import Testing
@testable import WharfScheduler
import WharfModel

/// The placer's declined offers: what `/v2/queue` shows for an app that found no agent.
@Suite(.timeLimit(.minutes(1)))
struct DeclinedOfferTests {
    @Test func everyAgentIsDeclinedWithAllItsReasonsAndWhatItHadFree() {
        var app = Fixture.app("/big", instances: 3, cpus: 1.5, mem: 600, ports: 1)
        app.constraints = [Constraint(field: "rack", op: .like, value: "r1")]
        let agents = [
            Fixture.agent("a0", cpus: 2, mem: 1000, ports: [PortRange(begin: 31000, end: 31004)], attributes: ["rack": "r1"]),
            Fixture.agent("a1", cpus: 1, mem: 500, attributes: ["rack": "r2"]),
        ]
        var h = Harness(apps: [app], agents: agents)
        let d = h.decide()
        #expect(d.launches.count == 1, "one fits on a0")
        let offers = d.declinedOffers[app.id] ?? []
        #expect(offers.count == 2, "the full scan declines every agent of the runtime")
        let a0 = offers.first { $0.agentId == "a0" }
        let a1 = offers.first { $0.agentId == "a1" }
        #expect(a0?.reasons == [.insufficientCpus, .insufficientMemory], "after the first placement")
        #expect(a0?.free == Resources(cpus: 0.5, mem: 400, disk: 10_000))
        #expect(a0?.freePorts.map(\.count).reduce(0, +) == 4, "one of five ports went to the placed instance")
        #expect(a0?.attributes == ["rack": "r1"])
        #expect(a0?.host == "a0.example")
        #expect(a1?.reasons == [.unfulfilledConstraint, .insufficientCpus, .insufficientMemory])
        #expect(a1?.firstReason == .unfulfilledConstraint, "the funnel's first reason")
        #expect(a1?.freePorts == [PortRange(begin: 10000, end: 20000)])
        h.apply(d)
        h.checkInvariants()
    }

    @Test func appsThatFitOrWaitForOtherReasonsDeclineNothing() {
        let small = Fixture.app("/small", instances: 2, cpus: 0.1, mem: 10)
        let h = Harness(apps: [small], agents: [Fixture.agent("a0")])
        let d = h.decide()
        #expect(d.launches.count == 2)
        #expect(d.declinedOffers.isEmpty)
        #expect(d.waiting.isEmpty)
    }

    @Test func reasonsSortInMarathonsFunnelOrder() {
        let offer = DeclinedOffer(agentId: "a", host: "h", free: .zero,
                                  reasons: [.insufficientPorts, .unfulfilledRole, .insufficientCpus])
        #expect(offer.reasons == [.unfulfilledRole, .insufficientCpus, .insufficientPorts])
        #expect(NoOfferMatchReason.allCases.first == .unfulfilledRole)
        #expect(NoOfferMatchReason.allCases.last == .declinedScarceResources)
    }

    @Test func freeRangesAreTheUntakenPortsMerged() {
        let space = PortSpace(ranges: [PortRange(begin: 100, end: 199), PortRange(begin: 300, end: 302)],
                              used: [100, 101, 150, 199, 301], startHint: 0)
        #expect(space.freeRanges() == [PortRange(begin: 102, end: 149), PortRange(begin: 151, end: 198),
                                       PortRange(begin: 300, end: 300), PortRange(begin: 302, end: 302)])
        let full = PortSpace(ranges: [PortRange(begin: 1, end: 64)], used: Array(1...64), startHint: 0)
        #expect(full.freeRanges().isEmpty)
        let wide = PortSpace(ranges: [PortRange(begin: 1000, end: 1200)], used: [1064, 1128], startHint: 7)
        #expect(wide.freeRanges() == [PortRange(begin: 1000, end: 1063), PortRange(begin: 1065, end: 1127),
                                      PortRange(begin: 1129, end: 1200)], "runs across 64-bit words")
    }
}

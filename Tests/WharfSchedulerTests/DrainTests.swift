import Testing
@testable import WharfScheduler
import WharfModel

@Suite("Draining agents", .timeLimit(.minutes(2)))
struct DrainTests {
    @Test("a draining agent's instances move within the upgrade strategy: the replacement runs before the old one is killed")
    func instancesMoveWithinTheUpgradeStrategy() {
        let app = Fixture.app("/web", instances: 3, cpus: 0.1, mem: 10)
        var h = Harness(apps: [app], agents: Fixture.agents(4), algorithm: .spread)
        h.converge()
        let drained = h.instances[0].agentId
        let moving = h.instances.filter { $0.agentId == drained }.map(\.id)
        #expect(moving.count == 1)
        h.draining = [drained]

        var d = h.decide()
        #expect(d.kills.isEmpty, "killed before its replacement serves")
        #expect(d.launches.count == 1)
        #expect(d.launches.allSatisfy { $0.agentId != drained })
        h.apply(d)
        h.tick()
        d = h.decide()
        #expect(d.kills.map(\.instanceId) == moving)
        #expect(d.kills.first?.reason.contains("is draining") == true)
        h.apply(d)
        h.tick()
        h.converge()
        #expect(h.goalRunning(app.id).count == 3)
        #expect(!h.instances.contains { $0.agentId == drained })
        h.checkInvariants()
    }

    @Test("nothing is placed on a draining agent; an agent declined for it says AgentMaintenance")
    func nothingPlacedOnADrainingAgent() throws {
        var h = Harness(apps: [Fixture.app("/web", instances: 2)], agents: Fixture.agents(1))
        h.draining = ["a0"]
        let d = h.decide()
        #expect(d.launches.isEmpty)
        let offer = try #require(d.declinedOffers[PathId("/web")]?.first)
        #expect(offer.reasons == [.agentMaintenance])
        #expect(d.waiting.first?.count == 2)
    }

    @Test("an instance with nowhere else to go keeps running on the draining agent")
    func instancesWithNowhereToGoStay() {
        let app = Fixture.app("/only", instances: 1)
        var h = Harness(apps: [app], agents: Fixture.agents(1))
        h.converge()
        h.draining = ["a0"]
        for _ in 0..<3 {
            let d = h.decide()
            #expect(d.kills.isEmpty)
            #expect(d.launches.isEmpty)
            h.apply(d)
            h.tick()
        }
        #expect(h.goalRunning(app.id).count == 1)
    }
}

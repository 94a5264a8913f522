import Testing
@testable import WharfScheduler
import WharfModel

@Suite(.timeLimit(.minutes(3))) struct ScalingTests {
    @Test func launchesMissingInstancesAndThenNothing() {
        var h = Harness(apps: [Fixture.app("/web", instances: 5)], agents: Fixture.agents(3))
        let first = h.decide()
        #expect(first.launches.count == 5)
        #expect(first.kills.isEmpty)
        #expect(first.waiting.isEmpty)
        for launch in first.launches {
            #expect(launch.appId == PathId("/web"))
            #expect(launch.state == .staging)
            #expect(launch.goal == .running)
            #expect(launch.stagedAt == h.now)
            #expect(launch.configVersion == Fixture.t0)
            #expect(launch.ports.count == 1)
            #expect(launch.host == "\(launch.agentId).example")
        }
        h.apply(first)
        let second = h.decide()
        #expect(second.launches.isEmpty)
        #expect(second.kills.isEmpty)
        h.tick()
        #expect(h.decide().launches.isEmpty)
        h.checkInvariants()
    }

    @Test(arguments: [KillSelection.youngestFirst, .oldestFirst])
    func scaleDownFollowsKillSelection(selection: KillSelection) {
        var app = Fixture.app("/web", instances: 2)
        app.killSelection = selection
        let agent = Fixture.agent("a0", cpus: 10)
        var h = Harness(apps: [app], agents: [agent])
        h.instances = (1...5).map {
            Fixture.running(app, id: "i\($0)", on: agent, stagedAt: Timestamp(millis: Int64($0) * 1000))
        }
        let d = h.decide()
        let killed = Set(d.kills.map(\.instanceId))
        #expect(d.launches.isEmpty)
        #expect(killed == (selection == .youngestFirst ? ["i3", "i4", "i5"] : ["i1", "i2", "i3"]))
        h.apply(d)
        #expect(h.decide().kills.isEmpty)
        #expect(h.goalRunning(app.id).count == 2)
    }

    @Test func scaleDownKillsNotYetRunningAndUnhealthyFirst() {
        var app = Fixture.app("/web", instances: 2)
        app.killSelection = .oldestFirst
        let agent = Fixture.agent("a0", cpus: 10)
        var h = Harness(apps: [app], agents: [agent])
        h.instances = [
            Fixture.running(app, id: "old-healthy", on: agent, stagedAt: Timestamp(millis: 1), healthy: true),
            Fixture.running(app, id: "staging", on: agent, stagedAt: Timestamp(millis: 9), state: .staging),
            Fixture.running(app, id: "unhealthy", on: agent, stagedAt: Timestamp(millis: 5), healthy: false),
            Fixture.running(app, id: "healthy2", on: agent, stagedAt: Timestamp(millis: 2), healthy: true),
        ]
        let d = h.decide()
        #expect(Set(d.kills.map(\.instanceId)) == ["unhealthy", "staging"])
    }

    @Test func replacesFailedInstance() {
        var h = Harness(apps: [Fixture.app("/web", instances: 3)], agents: Fixture.agents(2))
        h.converge()
        #expect(h.goalRunning(PathId("/web")).count == 3)
        // The agent reports one task failed: it is terminal and no longer counts.
        h.instances[1].state = .failed
        let d = h.decide()
        #expect(d.launches.count == 1)
        #expect(d.kills.isEmpty)
        h.instances.remove(at: 1)
        h.apply(d)
        #expect(h.decide().launches.isEmpty)
    }

    @Test func killsInstancesOfRemovedApps() {
        var h = Harness(apps: [Fixture.app("/web", instances: 2), Fixture.app("/api", instances: 1)],
                        agents: Fixture.agents(2))
        h.converge()
        h.apps.removeAll { $0.id == PathId("/api") }
        let d = h.decide()
        #expect(d.kills.count == 1)
        #expect(d.kills[0].reason.contains("removed"))
        #expect(d.launches.isEmpty)
        h.apply(d)
        // Being killed: not killed again, and no replacement.
        let again = h.decide()
        #expect(again.kills.isEmpty)
        #expect(again.launches.isEmpty)
    }

    @Test func decommissionedInstancesDoNotCountButHoldResources() {
        let app = Fixture.app("/web", instances: 1, cpus: 1)
        let agent = Fixture.agent("a0", cpus: 1)
        var h = Harness(apps: [app], agents: [agent])
        var dying = Fixture.running(app, id: "dying", on: agent, stagedAt: Fixture.t0)
        dying.goal = .decommissioned
        dying.state = .killing
        h.instances = [dying]
        let d = h.decide()
        #expect(d.launches.isEmpty)
        #expect(d.waiting == [QueueEntry(appId: app.id, count: 1,
                                         reason: .noFit(rejections: ["InsufficientCpus": 1], agentsConsidered: 1))])
        h.tick()
        #expect(h.decide().launches.count == 1)
    }

    @Test func scaleToZeroKillsEverything() {
        var h = Harness(apps: [Fixture.app("/web", instances: 3)], agents: Fixture.agents(2))
        h.converge()
        h.apps[0].instances = 0
        let d = h.decide()
        #expect(d.kills.count == 3)
        h.apply(d)
        h.tick()
        #expect(h.instances.isEmpty)
        #expect(h.decide().launches.isEmpty)
    }
}

import Testing
@testable import WharfScheduler
import WharfModel

@Suite(.timeLimit(.minutes(3))) struct RollingUpgradeTests {
    struct Case: CustomStringConvertible, Sendable {
        let minHealth: Double
        let maxOver: Double
        let n: Int
        var description: String { "{\(minHealth),\(maxOver)} n=\(n)" }
    }

    static let cases: [Case] = [(1.0, 1.0), (0.5, 0.0), (0.0, 0.0), (1.0, 0.0), (0.5, 0.5), (0.7, 0.3)].flatMap { s in
        [1, 2, 3, 4, 10].map { Case(minHealth: s.0, maxOver: s.1, n: $0) }
    }

    /// Runs the upgrade to completion, checking after every decision and every state change that the
    /// app never has fewer than minHealthy healthy instances nor more than maxCapacity (+1 when
    /// minHealthy == maxCapacity) goal-running ones, and that re-deciding asks for nothing new.
    @Test(arguments: cases)
    func upgradeStaysWithinBounds(c: Case) {
        var app = Fixture.app("/web", instances: c.n, cpus: 0.1, mem: 10)
        app.healthChecks = []
        app.upgradeStrategy = UpgradeStrategy(minimumHealthCapacity: c.minHealth, maximumOverCapacity: c.maxOver)
        var h = Harness(apps: [app], agents: Fixture.agents(8))
        h.converge()
        for i in h.instances.indices { h.instances[i].healthy = true }
        #expect(h.goalRunning(app.id).count == c.n)

        let v2 = Fixture.upgraded(app, at: Fixture.t0.adding(seconds: 60))
        h.apps = [v2]
        let (minHealthy, maxCapacity) = RollingUpgrade.bounds(instances: c.n, strategy: v2.upgradeStrategy)
        let ceiling = maxCapacity + (minHealthy == maxCapacity ? 1 : 0)

        func check(_ phase: String) {
            let running = h.goalRunning(app.id)
            let healthy = running.filter(\.isRunningAndHealthy).count
            #expect(healthy >= minHealthy, "\(c) \(phase): \(healthy) healthy < \(minHealthy)")
            #expect(running.count <= ceiling, "\(c) \(phase): \(running.count) instances > \(ceiling)")
        }

        var done = false
        for round in 0..<(4 * c.n + 10) {
            let d = h.decide()
            h.apply(d)
            check("round \(round) after apply")
            let again = h.decide()
            #expect(again.launches.isEmpty && again.kills.isEmpty, "\(c) round \(round): not idempotent")
            h.tick(healthy: true)
            check("round \(round) after tick")
            let running = h.goalRunning(app.id)
            if running.count == c.n && running.allSatisfy({ $0.configVersion == Scheduler.configVersion(of: v2) && $0.isRunningAndHealthy })
                && !h.instances.contains(where: { $0.goal == .decommissioned }) {
                done = true
                break
            }
        }
        #expect(done, "\(c): upgrade did not converge")
        #expect(DeploymentPlanner.isActionComplete(DeploymentAction(action: .restartApplication, app: app.id),
                                                   app: v2, instances: h.instances))
        h.checkInvariants()
    }

    @Test func unhealthyNewVersionNeverTakesHealthyOldOnesDown() {
        var app = Fixture.app("/web", instances: 4, cpus: 0.1, mem: 10)
        app.upgradeStrategy = UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 0)
        var h = Harness(apps: [app], agents: Fixture.agents(4))
        h.converge()
        for i in h.instances.indices { h.instances[i].healthy = true }
        h.apps = [Fixture.upgraded(app, at: Fixture.t0.adding(seconds: 60))]
        for _ in 0..<10 {
            let d = h.decide()
            for kill in d.kills {
                let victim = h.instances.first { $0.id == kill.instanceId }
                #expect(victim.map { !($0.configVersion == Fixture.t0 && $0.isRunningAndHealthy) } == true)
            }
            h.apply(d)
            h.tick(healthy: false)
            #expect(h.goalRunning(app.id).filter(\.isRunningAndHealthy).count == 4)
            #expect(h.goalRunning(app.id).count <= 5)
        }
    }

    @Test func capacityHoldBackIsReported() {
        var app = Fixture.app("/web", instances: 4, cpus: 0.1, mem: 10)
        app.upgradeStrategy = UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 0.5)
        var h = Harness(apps: [app], agents: Fixture.agents(2))
        h.converge()
        h.apps = [Fixture.upgraded(app, at: Fixture.t0.adding(seconds: 60))]
        let d = h.decide()
        #expect(d.launches.count == 2)
        #expect(d.kills.isEmpty)
        #expect(d.waiting == [QueueEntry(appId: app.id, count: 2, reason: .upgradeCapacity)])
    }

    @Test func oldInstancesThatAreNotHealthyGoFirst() {
        var app = Fixture.app("/web", instances: 3, cpus: 0.1, mem: 10)
        app.upgradeStrategy = UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 1)
        let agent = Fixture.agent("a0")
        var h = Harness(apps: [Fixture.upgraded(app, at: Fixture.t0.adding(seconds: 5))], agents: [agent])
        h.instances = [
            Fixture.running(app, id: "ok1", on: agent, stagedAt: Fixture.t0, healthy: true),
            Fixture.running(app, id: "ok2", on: agent, stagedAt: Fixture.t0, healthy: true),
            Fixture.running(app, id: "sick", on: agent, stagedAt: Fixture.t0, healthy: false),
        ]
        let d = h.decide()
        #expect(d.kills.map(\.instanceId) == ["sick"])
        #expect(d.launches.count == 3)
    }

    @Test func newInstancesMustBeHealthyAndReadyBeforeOldOnesGo() {
        var app = Fixture.app("/web", instances: 1, cpus: 0.1, mem: 10)
        app.upgradeStrategy = UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 1)
        let agent = Fixture.agent("a0")
        var v2 = Fixture.upgraded(app, at: Fixture.t0.adding(seconds: 5))
        v2.healthChecks = [HealthCheck(protocol: .tcp)]
        v2.readinessChecks = [ReadinessCheck(portName: "default")]
        var h = Harness(apps: [v2], agents: [agent])
        let old = Fixture.running(app, id: "old", on: agent, stagedAt: Fixture.t0, healthy: true)
        var new = Fixture.running(v2, id: "new", on: agent, stagedAt: Fixture.t0.adding(seconds: 6))

        // Health not known yet (checks have not completed): the old instance stays.
        new.health = TaskHealth(results: [nil], readiness: [ReadinessCheckResult(name: "readinessCheck", ready: false)])
        h.instances = [old, new]
        #expect(h.decide().kills.isEmpty)
        // Healthy but not ready: still stays.
        new.health?.results = [HealthCheckResult(alive: true)]
        new.healthy = true
        h.instances = [old, new]
        #expect(h.decide().kills.isEmpty)
        // Healthy and ready: the old one goes.
        new.health?.readiness = [ReadinessCheckResult(name: "readinessCheck", ready: true)]
        h.instances = [old, new]
        #expect(h.decide().kills.map(\.instanceId) == ["old"])
    }

    @Test func scalingDownDuringUpgradeKillsOldSurplus() {
        var app = Fixture.app("/web", instances: 5, cpus: 0.1, mem: 10)
        app.upgradeStrategy = UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 0)
        var h = Harness(apps: [app], agents: Fixture.agents(3))
        h.converge()
        var v2 = Fixture.upgraded(app, at: Fixture.t0.adding(seconds: 60))
        v2.instances = 2
        h.apps = [v2]
        let d = h.decide()
        // 5 old, target 2: 3 old above the target go at once; minHealthy 2 == maxCapacity 2, so one
        // extra new instance may start.
        #expect(d.kills.count == 3)
        #expect(d.launches.count == 1)
        h.apply(d)
        h.tick()
        h.converge()
        #expect(h.goalRunning(app.id).count == 2)
        #expect(h.goalRunning(app.id).allSatisfy { $0.configVersion == Scheduler.configVersion(of: v2) })
    }
}

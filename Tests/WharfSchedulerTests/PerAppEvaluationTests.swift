import Testing
@testable import WharfScheduler
import WharfModel

/// Per-app evaluation: the control plane asks the scheduler about the apps that changed only,
/// handing it what every agent holds (`SchedulerView.usage`) instead of every instance.
@Suite("Per-app evaluation", .timeLimit(.minutes(1)))
struct PerAppEvaluationTests {
    /// A view of `h` that evaluates only `evaluated`: their definitions and instances, with the
    /// usage of the whole cluster.
    static func partialView(_ h: Harness, evaluating evaluated: Set<PathId>) -> SchedulerView {
        var view = h.view
        view.apps = h.apps.filter { evaluated.contains($0.id) }
        view.instances = h.instances.filter { evaluated.contains($0.appId) }
        view.usage = AgentUsage.of(h.instances)
        return view
    }

    /// What a decision does, without the generated instance ids.
    static func summary(_ d: SchedulerDecisions, instances: [Instance]) -> [String] {
        let appOf = Dictionary(uniqueKeysWithValues: instances.map { ($0.id, $0.appId) })
        return d.launches.map { "launch \($0.appId) on \($0.agentId) ports \($0.ports)" }
            + d.kills.map { "kill \($0.instanceId) of \(appOf[$0.instanceId]?.description ?? "?"): \($0.reason)" }
            + d.waiting.map { "wait \($0.appId) \($0.count) \($0.reason)" }
    }

    @Test("evaluating the changed apps decides what a full pass decides for them")
    func sameAsFullPass() {
        let agents = Fixture.agents(6, cpus: 2, mem: 2048)
        let steady = (0..<5).map { Fixture.app("/steady/s\($0)", instances: 3, cpus: 0.25, mem: 64) }
        let grow = Fixture.app("/grow", instances: 2, cpus: 0.5, mem: 128)
        let upgrade = Fixture.app("/upgrade", instances: 3, cpus: 0.25, mem: 64)
        let gone = Fixture.app("/gone", instances: 2, cpus: 0.25, mem: 64)
        var h = Harness(apps: steady + [grow, upgrade, gone], agents: agents, algorithm: .spread)
        h.converge()
        #expect(h.instances.count == 15 + 2 + 3 + 2)

        // Three apps change: one scales up beyond what fits, one gets a new configuration, one is removed.
        var bigger = grow
        bigger.instances = 40
        h.apps = steady + [bigger, Fixture.upgraded(upgrade, at: Timestamp(millis: Fixture.t0.millis + 1000))]
        let changed: Set<PathId> = [grow.id, upgrade.id, gone.id]

        let full = h.scheduler.decide(h.view)
        let partial = h.scheduler.decide(Self.partialView(h, evaluating: changed))
        #expect(!full.launches.isEmpty && !full.kills.isEmpty && !full.waiting.isEmpty, "the case exercises all three")
        #expect(Self.summary(partial, instances: h.instances) == Self.summary(full, instances: h.instances))
        #expect(partial.declinedOffers.keys.sorted() == full.declinedOffers.keys.sorted())
        #expect(partial.declinedOffers[grow.id] == full.declinedOffers[grow.id])
    }

    @Test("successive evaluations of overlapping sets launch nothing twice and never overcommit an agent")
    func overlappingEvaluations() {
        // Room for exactly 8 instances of 0.5 cpus in the whole cluster.
        let agents = Fixture.agents(2, cpus: 2, mem: 4096)
        let a = Fixture.app("/a", instances: 3, cpus: 0.5)
        let b = Fixture.app("/b", instances: 3, cpus: 0.5)
        let c = Fixture.app("/c", instances: 3, cpus: 0.5)
        var h = Harness(apps: [a, b, c], agents: agents, algorithm: .spread)

        h.apply(h.scheduler.decide(Self.partialView(h, evaluating: [a.id, b.id])))
        let second = h.scheduler.decide(Self.partialView(h, evaluating: [b.id, c.id]))
        #expect(second.launches.filter { $0.appId == b.id }.isEmpty, "/b was placed by the first evaluation")
        #expect(second.launches.filter { $0.appId == c.id }.count == 2, "only the room left is used")
        #expect(second.waiting.map(\.appId) == [c.id])
        h.apply(second)
        h.checkInvariants()
        for app in [a, b] { #expect(h.goalRunning(app.id).count == 3) }

        // Without the usage of the apps it does not evaluate, the scheduler would see free room
        // that /a and /b hold: the usage is what keeps partial evaluations honest.
        var blind = Self.partialView(h, evaluating: [c.id])
        blind.usage = AgentUsage.of(h.instances.filter { $0.appId == c.id })
        #expect(h.scheduler.decide(blind).launches.count == 1, "blind to /a and /b, it would overcommit")
        #expect(h.scheduler.decide(Self.partialView(h, evaluating: [c.id])).launches.isEmpty)
    }

    @Test("random per-app evaluations converge to what full passes converge to, without overcommitting")
    func randomEvaluationsConverge() {
        var generator = SplitMix64(seed: 42)
        let apps = (0..<12).map { i in
            Fixture.app("/r/app\(i)", instances: Int(generator.next() % 5) + 1, cpus: 0.25, mem: 32)
        }
        var partial = Harness(apps: apps, agents: Fixture.agents(5, cpus: 2, mem: 1024), algorithm: .spread)
        var full = Harness(apps: apps, agents: Fixture.agents(5, cpus: 2, mem: 1024), algorithm: .spread)
        full.converge()
        for _ in 0..<200 {
            let picked = Set(apps.map(\.id).filter { _ in generator.next() % 3 == 0 })
            guard !picked.isEmpty else { continue }
            partial.apply(partial.scheduler.decide(Self.partialView(partial, evaluating: picked)))
            partial.checkInvariants()
            partial.tick()
        }
        for app in apps {
            #expect(partial.goalRunning(app.id).count == full.goalRunning(app.id).count, "\(app.id)")
        }
        #expect(partial.instances.count == full.instances.count)
    }

    @Test("a launch limit cuts a call short and names the apps left to evaluate; repeated calls finish the job")
    func launchLimit() {
        let agents = Fixture.agents(4, cpus: 8, mem: 8192)
        let big = Fixture.app("/big", instances: 25, cpus: 0.1, mem: 16)
        let small = Fixture.app("/small", instances: 3, cpus: 0.1, mem: 16)
        let shrink = Fixture.app("/shrink", instances: 4, cpus: 0.1, mem: 16)
        var h = Harness(apps: [shrink], agents: agents, algorithm: .spread)
        h.converge()
        var fewer = shrink
        fewer.instances = 1
        h.apps = [big, fewer, small]

        var view = h.view
        view.maxLaunches = 10
        let first = h.scheduler.decide(view)
        #expect(first.launches.count == 10)
        #expect(first.launches.filter { $0.appId == small.id }.count == 3,
                "apps needing fewest launches go first: a big app does not hold the small ones back")
        #expect(first.deferred == [big.id])
        #expect(first.kills.count == 3, "kills are not limited: /shrink still scales down")
        #expect(first.waiting.isEmpty, "deferred apps do not wait for a reason; they are not decided yet")

        h.apply(first)
        var calls = 1
        while true {
            var next = h.view
            next.maxLaunches = 10
            let decisions = h.scheduler.decide(next)
            if decisions.launches.isEmpty { break }
            #expect(decisions.launches.count <= 10)
            h.apply(decisions)
            calls += 1
        }
        #expect(calls == 3, "28 launches at 10 per call")
        #expect(h.goalRunning(big.id).count == 25 && h.goalRunning(small.id).count == 3)
        h.checkInvariants()
    }

    @Test("agent usage is kept exactly as instances come and go")
    func usageBookkeeping() {
        let agent = Fixture.agent("a0")
        let app = Fixture.app("/u", cpus: 0.1, mem: 16)
        let one = Fixture.running(app, id: "u1", on: agent, stagedAt: Fixture.t0, ports: [10001])
        let two = Fixture.running(app, id: "u2", on: agent, stagedAt: Fixture.t0, ports: [10001, 10002])
        var usage = AgentUsage()
        usage.add(one)
        usage.add(two)
        #expect(usage.instances == 2)
        #expect(usage.ports == [10001: 2, 10002: 1])
        usage.remove(one)
        #expect(usage.ports == [10001: 1, 10002: 1], "a port two instances claimed stays taken by the other")
        #expect(abs(usage.resources.cpus - 0.1) < 1e-12)
        usage.remove(two)
        #expect(usage == AgentUsage(), "empty again, with no floating-point residue")
        var ended = two
        ended.state = .finished
        #expect(AgentUsage.of([one, ended])["a0"]?.instances == 1, "terminal instances hold nothing")
    }
}

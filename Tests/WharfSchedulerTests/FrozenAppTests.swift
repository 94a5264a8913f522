import Testing
@testable import WharfScheduler
import WharfModel

/// Apps the control plane cannot read (quarantined) are frozen: their instances are neither killed
/// nor replaced, and still hold their resources.
@Suite("Frozen apps", .timeLimit(.minutes(1)))
struct FrozenAppTests {
    @Test("instances of a frozen app with no definition are not killed, and keep their resources")
    func frozenWithoutDefinition() {
        let agent = Fixture.agent("a0", cpus: 1)
        let lost = Fixture.app("/lost", instances: 1, cpus: 0.75)
        let web = Fixture.app("/web", instances: 1, cpus: 0.5)
        var h = Harness(apps: [web], agents: [agent])
        h.instances = [Fixture.running(lost, id: "lost-1", on: agent, stagedAt: Fixture.t0, ports: [10001])]
        let unfrozen = h.decide()
        #expect(unfrozen.kills.map(\.instanceId) == ["lost-1"], "without the freeze it is an unknown app's instance")

        var view = h.view
        view.frozenApps = [lost.id]
        let frozen = h.scheduler.decide(view)
        #expect(frozen.kills.isEmpty)
        #expect(frozen.launches.isEmpty, "/web must not get the cpus the frozen instance holds")
        #expect(frozen.waiting.map(\.appId) == [web.id])
    }

    @Test("a frozen app with a definition is neither scaled, upgraded nor replaced")
    func frozenWithDefinition() {
        let agent = Fixture.agent("a0", cpus: 10)
        let app = Fixture.app("/web", instances: 1)
        let upgraded = Fixture.upgraded(app, at: Timestamp(millis: Fixture.t0.millis + 1000))
        var h = Harness(apps: [upgraded], agents: [agent])
        h.instances = (1...3).map { Fixture.running(app, id: "i\($0)", on: agent, stagedAt: Fixture.t0) }
        var view = h.view
        view.frozenApps = [app.id]
        let frozen = h.scheduler.decide(view)
        #expect(frozen.kills.isEmpty && frozen.launches.isEmpty && frozen.waiting.isEmpty)
        #expect(!h.decide().kills.isEmpty, "unfrozen, the surplus old instances would be killed")
    }
}

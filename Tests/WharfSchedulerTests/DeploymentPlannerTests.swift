import Testing
@testable import WharfScheduler
import WharfModel

@Suite(.timeLimit(.minutes(3))) struct DeploymentPlannerTests {
    func byId(_ apps: [AppDefinition]) -> [PathId: AppDefinition] {
        Dictionary(uniqueKeysWithValues: apps.map { ($0.id, $0) })
    }

    func actions(_ steps: [DeploymentStep]) -> [[String]] {
        steps.map { $0.actions.map { "\($0.action.rawValue) \($0.app)" } }
    }

    @Test func planOrdersStopStartThenDependencyLayers() {
        let gone = Fixture.app("/gone")
        let same = Fixture.app("/same")
        let scaled = Fixture.app("/scaled", instances: 1)
        let changed = Fixture.app("/changed")
        var db = Fixture.app("/data/db")
        db.instances = 1
        var web = Fixture.app("/front/web")
        web.dependencies = [PathId("/back")]
        var api = Fixture.app("/back/api")
        api.dependencies = [PathId("/data/db")]

        var scaledTarget = scaled
        scaledTarget.instances = 4
        scaledTarget.versionInfo = VersionInfo(lastScalingAt: Fixture.t0.adding(seconds: 9), lastConfigChangeAt: Fixture.t0)
        scaledTarget.version = Fixture.t0.adding(seconds: 9)
        let changedTarget = Fixture.upgraded(changed, at: Fixture.t0.adding(seconds: 9))

        let steps = DeploymentPlanner.steps(
            original: byId([gone, same, scaled, changed]),
            target: byId([same, scaledTarget, changedTarget, db, web, api]))
        #expect(actions(steps) == [
            ["StopApplication /gone"],
            ["StartApplication /back/api", "StartApplication /data/db", "StartApplication /front/web"],
            ["RestartApplication /changed", "ScaleApplication /data/db", "ScaleApplication /scaled"],
            ["ScaleApplication /back/api"],
            ["ScaleApplication /front/web"],
        ])
    }

    @Test func noChangeNoSteps() {
        let app = Fixture.app("/a")
        #expect(DeploymentPlanner.steps(original: byId([app]), target: byId([app])).isEmpty)
    }

    @Test func restartWithoutDiffRestarts() {
        let app = Fixture.app("/a")
        var restarted = app
        restarted.versionInfo = VersionInfo(lastScalingAt: Fixture.t0.adding(seconds: 1), lastConfigChangeAt: Fixture.t0.adding(seconds: 1))
        #expect(actions(DeploymentPlanner.steps(original: byId([app]), target: byId([restarted]))) == [["RestartApplication /a"]])
    }

    @Test func scaleToZeroIsScaleEvenWithChanges() {
        let app = Fixture.app("/a", instances: 3)
        var target = Fixture.upgraded(app, at: Fixture.t0.adding(seconds: 1))
        target.instances = 0
        #expect(actions(DeploymentPlanner.steps(original: byId([app]), target: byId([target]))) == [["ScaleApplication /a"]])
    }

    @Test func labelsChangeRestarts() {
        let app = Fixture.app("/a")
        var target = app
        target.labels = ["team": "x"]
        #expect(actions(DeploymentPlanner.steps(original: byId([app]), target: byId([target]))) == [["RestartApplication /a"]])
    }

    @Test func cyclesDoNotHang() {
        var a = Fixture.app("/a")
        a.dependencies = [PathId("/b")]
        var b = Fixture.app("/b")
        b.dependencies = [PathId("/a")]
        let steps = DeploymentPlanner.steps(original: [:], target: byId([a, b]))
        #expect(steps.flatMap(\.actions).filter { $0.action == .scaleApplication }.count == 2)
    }

    @Test func actionCompletion() {
        let app = Fixture.app("/a", instances: 2)
        let agent = Fixture.agent("a0")
        let scale = DeploymentAction(action: .scaleApplication, app: app.id)
        let one = Fixture.running(app, id: "1", on: agent, stagedAt: Fixture.t0)
        var two = Fixture.running(app, id: "2", on: agent, stagedAt: Fixture.t0)
        #expect(DeploymentPlanner.isActionComplete(DeploymentAction(action: .startApplication, app: app.id), app: app, instances: []))
        #expect(!DeploymentPlanner.isActionComplete(scale, app: app, instances: [one]))
        #expect(DeploymentPlanner.isActionComplete(scale, app: app, instances: [one, two]))
        two.healthy = false
        #expect(!DeploymentPlanner.isActionComplete(scale, app: app, instances: [one, two]))
        two.healthy = true
        var dying = Fixture.running(app, id: "3", on: agent, stagedAt: Fixture.t0)
        dying.goal = .decommissioned
        // An instance still being killed holds the step open, as in Marathon.
        #expect(!DeploymentPlanner.isActionComplete(scale, app: app, instances: [one, two, dying]))
        var killed = dying
        killed.state = .killed
        #expect(DeploymentPlanner.isActionComplete(scale, app: app, instances: [one, two, killed]))
        let v2 = Fixture.upgraded(app, at: Fixture.t0.adding(seconds: 1))
        let restart = DeploymentAction(action: .restartApplication, app: app.id)
        #expect(!DeploymentPlanner.isActionComplete(restart, app: v2, instances: [one, two]))
        let stop = DeploymentAction(action: .stopApplication, app: app.id)
        #expect(!DeploymentPlanner.isActionComplete(stop, app: nil, instances: [dying]))
        var ended = dying
        ended.state = .killed
        #expect(DeploymentPlanner.isActionComplete(stop, app: nil, instances: [ended]))
    }

    @Test func progressGrowsAsKilledInstancesExitDuringAScaleDown() {
        let app = Fixture.app("/web", instances: 3)
        let agent = Fixture.agent("a0")
        var instances = (0..<5).map { Fixture.running(app, id: "i\($0)", on: agent, stagedAt: Fixture.t0) }
        let action = DeploymentAction(action: .scaleApplication, app: app.id)
        func progress() -> Int { DeploymentPlanner.progress(action, app: app, instances: instances) }

        let start = progress()
        instances[3].goal = .decommissioned
        instances[4].goal = .decommissioned
        #expect(progress() == start, "deciding the kills is not yet progress")
        instances.removeLast()
        #expect(progress() > start, "an exit is progress")
        instances.removeLast()
        #expect(progress() == 3)
        #expect(DeploymentPlanner.isActionComplete(action, app: app, instances: instances))
    }
}


import Foundation
import Logging
import Testing
import WharfModel
import WharfServer
import WharfStore

@Suite("Control plane", .timeLimit(.minutes(3)))
struct ControlPlaneTests {
    @Test("a deployment is visible at once and completes when its instances run")
    func deployConverges() async throws {
        let h = try await ControlPlaneHarness.start()
        defer { Task { await h.stop() } }
        let events = EventRecorder(h.controlPlane.events.subscribe(types: ["deployment_success"]))
        let app = sleepApp("/web", instances: 3)
        let result = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        #expect(await h.state.deployments[result.deploymentId] != nil)
        try await h.waitUntil("deployment done") { await h.state.deployments.isEmpty }
        #expect(await h.running(app.id).count == 3)
        let success = try await events.next()
        #expect(success.eventType == "deployment_success")
        let stored = await h.state.apps[app.id]
        #expect(stored?.version == result.version)
        #expect(stored?.versionInfo?.lastConfigChangeAt == result.version)
        // Host ports are distinct per agent.
        let instances = await h.running(app.id)
        let portsPerAgent = Dictionary(grouping: instances, by: \.agentId).mapValues { $0.flatMap(\.ports) }
        for ports in portsPerAgent.values { #expect(Set(ports).count == ports.count) }
    }

    @Test("scaling down kills only the surplus, youngest first")
    func scaleDown() async throws {
        let h = try await ControlPlaneHarness.start()
        defer { Task { await h.stop() } }
        var app = sleepApp("/scale", instances: 1)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 1) }
        let before = await h.running(app.id)
        // The next instances must be staged strictly later (timestamps have millisecond precision).
        try await h.waitUntil("clock past the first launch") { Timestamp.now() > before[0].stagedAt }
        app.instances = 3
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 3) }
        let configVersion = await h.state.apps[app.id]?.versionInfo?.lastConfigChangeAt
        app.instances = 1
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, total: 1) }
        let after = await h.running(app.id)
        #expect(after.map(\.id) == [before[0].id])
        // Scale-only change keeps the configuration version.
        #expect(await h.state.apps[app.id]?.versionInfo?.lastConfigChangeAt == configVersion)
    }

    @Test("an identical redeploy changes nothing and plans no steps")
    func identicalRedeploy() async throws {
        let h = try await ControlPlaneHarness.start()
        defer { Task { await h.stop() } }
        let app = sleepApp("/same", instances: 2)
        let first = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 2) }
        let ids = Set(await h.running(app.id).map(\.id))
        let second = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        #expect(await h.state.deployments[second.deploymentId] == nil)
        #expect(await h.state.apps[app.id]?.version == first.version)
        #expect(Set(await h.running(app.id).map(\.id)) == ids)
    }

    @Test("a restart replaces every instance with one of the new configuration")
    func restart() async throws {
        let h = try await ControlPlaneHarness.start()
        defer { Task { await h.stop() } }
        let app = sleepApp("/restart", instances: 2)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 2) }
        let old = Set(await h.running(app.id).map(\.id))
        let result = try await h.controlPlane.deploy(DeployRequest(restart: [app.id]))
        try await h.waitUntil("restart done") { await h.state.deployments[result.deploymentId] == nil }
        let now = await h.running(app.id)
        #expect(now.count == 2)
        #expect(old.isDisjoint(with: now.map(\.id)))
        #expect(now.allSatisfy { $0.configVersion == result.version })
    }

    @Test("a second deployment of a locked app is refused unless forced")
    func conflicts() async throws {
        // Instances that never fit keep the first deployment running.
        let h = try await ControlPlaneHarness.start(agents: 1)
        defer { Task { await h.stop() } }
        let app = sleepApp("/big", instances: 1, cpus: 64)
        let first = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil("queued") { await h.state.queue[app.id] != nil }
        var smaller = app
        smaller.cpus = 0.1
        await #expect(throws: ControlPlaneError.self) {
            _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: smaller]))
        }
        let forced = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: smaller], force: true))
        #expect(await h.state.deployments[first.deploymentId] == nil)
        try await h.waitUntil { await h.state.deployments[forced.deploymentId] == nil }
        #expect(await h.running(app.id).count == 1)
    }

    @Test("concurrent writes to one app are serialised: exactly one wins, the rest get 409")
    func concurrentDeploys() async throws {
        let h = try await ControlPlaneHarness.start(agents: 1)
        defer { Task { await h.stop() } }
        // Never fits, so every deployment of it stays open and locks the app.
        let app = sleepApp("/race", instances: 1, cpus: 64)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    var variant = app
                    variant.cmd = "sleep \(1000 + i)"
                    return (try? await h.controlPlane.deploy(DeployRequest(apps: [app.id: variant]))) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(await h.state.deployments.count == 1)
        #expect(await h.controlPlane.appVersions(app.id)?.count == 1)
    }

    @Test("a create of an existing app and an update based on an outdated read are refused")
    func preconditions() async throws {
        let h = try await ControlPlaneHarness.start()
        defer { Task { await h.stop() } }
        let app = sleepApp("/pre")
        var create = DeployRequest(apps: [app.id: app])
        create.mustNotExist = [app.id]
        let first = try await h.controlPlane.deploy(create)
        await #expect(throws: ControlPlaneError.self) { _ = try await h.controlPlane.deploy(create) }
        var stale = DeployRequest(apps: [app.id: app], force: true)
        stale.expectedVersions[app.id] = Timestamp(millis: first.version.millis - 1)
        await #expect(throws: ControlPlaneError.self) { _ = try await h.controlPlane.deploy(stale) }
    }

    @Test("removing an app kills its instances and announces it")
    func remove() async throws {
        let h = try await ControlPlaneHarness.start()
        defer { Task { await h.stop() } }
        let app = sleepApp("/gone", instances: 2)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.running(app.id).count == 2 }
        let terminated = EventRecorder(h.controlPlane.events.subscribe(types: ["app_terminated_event"]))
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: nil], force: true))
        #expect(await h.state.apps[app.id] == nil)
        try await h.waitUntil { await h.settled(app.id, total: 0) }
        #expect(try await terminated.next().eventType == "app_terminated_event")
    }

    @Test("killing with scale lowers the count and kills exactly those instances")
    func killAndScale() async throws {
        let h = try await ControlPlaneHarness.start()
        defer { Task { await h.stop() } }
        let app = sleepApp("/kill", instances: 3)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 3) }
        let victim = await h.running(app.id)[1]
        _ = try await h.controlPlane.killInstances([victim.taskId], scale: true, force: false)
        try await h.waitUntil { await h.settled(app.id, total: 2) }
        #expect(await h.state.apps[app.id]?.instances == 2)
        #expect(await h.state.instances[victim.id] == nil)
    }

    @Test("killing without scale replaces the instance")
    func killReplaces() async throws {
        let h = try await ControlPlaneHarness.start()
        defer { Task { await h.stop() } }
        let app = sleepApp("/replace", instances: 2)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 2) }
        let victim = await h.running(app.id)[0]
        _ = try await h.controlPlane.killInstances([victim.id], scale: false, force: false)
        try await h.waitUntil {
            let gone = await h.state.instances[victim.id] == nil
            let running = await h.running(app.id).count
            return gone && running == 2
        }
        #expect(await h.state.apps[app.id]?.instances == 2)
    }

    @Test("reverting a deployment restores the previous definition")
    func revert() async throws {
        let h = try await ControlPlaneHarness.start(agents: 1)
        defer { Task { await h.stop() } }
        let app = sleepApp("/revert", instances: 1)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 1) }
        var huge = app
        huge.cpus = 64
        let stuck = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: huge]))
        let revert = try await h.controlPlane.cancelDeployment(stuck.deploymentId, force: false)
        #expect(revert != nil)
        #expect(await h.state.apps[app.id]?.cpus == app.cpus)
        try await h.waitUntil { await h.state.deployments.isEmpty }
        #expect(await h.running(app.id).count == 1)
    }

    @Test("after a restart on the same store, apps are intact and lost instances are replaced")
    func recovery() async throws {
        let store = MemoryStore()
        let first = try await ControlPlaneHarness.start(store: store)
        let app = sleepApp("/durable", instances: 2)
        let result = try await first.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await first.waitUntil { await first.settled(app.id, running: 2) }
        let oldIds = Set(await first.running(app.id).map(\.id))
        await first.stop()

        // New simulated agents know no task: every old instance is gone and gets replaced.
        let second = try await ControlPlaneHarness.start(store: store)
        #expect(await second.state.apps[app.id]?.version == result.version)
        try await second.waitUntil("replacements") {
            let running = await second.running(app.id)
            return running.count == 2 && oldIds.isDisjoint(with: running.map(\.id))
        }
        #expect(await second.state.instances(of: app.id).count == 2)
        // The lost instances were recorded as the app's last failure, durably.
        try await second.waitUntil("failure recorded") { await second.state.lastTaskFailures[app.id] != nil }
        // Each lost instance records its failure in turn: the one that counts is the last before the stop.
        await second.stop()
        let failure = await second.state.lastTaskFailures[app.id]
        // Loaded, not run: a running one would at once record new failures (its agents know no task).
        let third = ControlPlane(configuration: ServerConfiguration(), store: store,
                                 link: SimulatedAgentLink(count: 1, capacity: Resources(cpus: 1, mem: 1024, disk: 1024),
                                                          portRange: PortRange(begin: 31000, end: 31999)),
                                 isolationNote: "none: test", logger: Logger(label: "test"))
        try await third.load()
        #expect(failure != nil)
        #expect(await third.currentState().lastTaskFailures[app.id] == failure)
    }

    @Test("versions are kept per app, newest first, and readable")
    func versions() async throws {
        let h = try await ControlPlaneHarness.start()
        defer { Task { await h.stop() } }
        var app = sleepApp("/versions")
        let v1 = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app], force: true)).version
        app.cmd = "sleep 2000"
        let v2 = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app], force: true)).version
        #expect(await h.controlPlane.appVersions(app.id) == [v2, v1])
        let old = try await h.controlPlane.appDefinition(app.id, version: v1)
        #expect(old?.cmd == "sleep 1000")
        #expect(await h.controlPlane.appVersions(PathId("/nope")) == nil)
    }
}

import Foundation
import Logging
import Synchronization
import Testing
import WharfModel
import WharfServer
import WharfStore

/// An agent link whose tasks behave as a test says, decided per launch from the app definition:
/// run (healthy or not), or crash right after starting.
final class ScriptedAgentLink: AgentLink {
    enum Outcome: Sendable {
        /// TASK_RUNNING; with health checks, every check reports `healthy` (nil: not yet known).
        case run(healthy: Bool?)
        /// TASK_RUNNING then TASK_FAILED with `message`.
        case crash(String)
        /// TASK_RUNNING, then a health report asking for the kill with `reason`.
        case failChecks(String)
        /// TASK_RUNNING healthy, then health unknown again (as a restarted agent reports re-adopted tasks),
        /// then the registration and (empty) inventory of an agent `afterUnknownMarker(instance id)`: reports
        /// are handled in order, so once that agent is known the unknown report has been handled too.
        case healthyThenUnknown
        /// TASK_STARTING once per message (image-pull progress), then TASK_RUNNING.
        case starting([String])
    }

    let reports: AsyncStream<AgentReport>
    private let continuation: AsyncStream<AgentReport>.Continuation
    private let behaviour: @Sendable (AppDefinition) -> Outcome
    private let launched = Mutex<[String: Int]>([:])

    init(agents: Int = 1, behaviour: @escaping @Sendable (AppDefinition) -> Outcome) {
        self.behaviour = behaviour
        (reports, continuation) = AsyncStream<AgentReport>.makeStream()
        for i in 0..<agents {
            let info = AgentInfo(id: "a\(i)", host: "127.0.0.1", capacity: Resources(cpus: 16, mem: 16_384, disk: 10_000),
                                 portRanges: [PortRange(begin: 31000, end: 31999)], attributes: [:],
                                 runtimes: ["process"], isolation: "none: test")
            continuation.yield(.registered(info))
            continuation.yield(.fullState(agentId: info.id, []))
        }
    }

    /// The id of the agent registered after the unknown health report of `.healthyThenUnknown`.
    static func afterUnknownMarker(_ instanceId: String) -> String { "after-unknown-\(instanceId)" }

    /// How many launches were sent for apps whose `cmd` is `cmd`.
    func launches(of cmd: String) -> Int { launched.withLock { $0[cmd] ?? 0 } }

    func send(_ command: AgentCommand, to agentId: String) {
        let now = Timestamp.now()
        switch command {
        case let .launch(task):
            launched.withLock { $0[task.app.cmd ?? "", default: 0] += 1 }
            let instance = task.instance
            func status(_ state: TaskState, _ message: String? = nil, health: TaskHealth? = nil) -> AgentReport {
                .status(agentId: agentId, TaskStatus(instanceId: instance.id, incarnation: instance.incarnation,
                                                     state: state, message: message, timestamp: now, health: health))
            }
            let checks = task.app.healthChecks.count
            let readiness = task.app.readinessChecks.map { ReadinessCheckResult(name: $0.name, ready: true) }
            switch behaviour(task.app) {
            case let .run(healthy):
                let health = checks == 0 && readiness.isEmpty ? nil : TaskHealth(results: (0..<checks).map { _ in
                    healthy.map { HealthCheckResult(alive: $0, consecutiveFailures: $0 ? 0 : 1) }
                }, readiness: readiness)
                continuation.yield(status(.running, health: health))
            case let .crash(message):
                continuation.yield(status(.running))
                continuation.yield(status(.failed, message))
            case let .starting(messages):
                for message in messages { continuation.yield(status(.starting, message)) }
                continuation.yield(status(.running))
            case .healthyThenUnknown:
                continuation.yield(status(.running, health: TaskHealth(results: [HealthCheckResult(alive: true)])))
                continuation.yield(status(.running, health: TaskHealth(results: [nil])))
                continuation.yield(.registered(AgentInfo(
                    id: Self.afterUnknownMarker(instance.id), host: "127.0.0.2", capacity: Resources(cpus: 0, mem: 0, disk: 0),
                    portRanges: [], attributes: [:], runtimes: [], isolation: "none: test")))
                continuation.yield(.fullState(agentId: Self.afterUnknownMarker(instance.id), []))
            case let .failChecks(reason):
                continuation.yield(status(.running, health: TaskHealth(results: [nil])))
                continuation.yield(status(.running, health: TaskHealth(
                    results: [HealthCheckResult(alive: false, consecutiveFailures: 3, lastFailureCause: "HTTP 503")],
                    killReason: reason)))
            }
        case let .kill(kill):
            continuation.yield(.status(agentId: agentId, TaskStatus(
                instanceId: kill.instanceId, incarnation: 0, state: .killed, message: kill.reason, timestamp: now)))
        case .reconcile:
            break
        }
    }
}

@Suite("Deployments that fail", .timeLimit(.minutes(3)))
struct DeploymentFailureTests {
    static func start(configuration: ServerConfiguration = ServerConfiguration(resyncIntervalSeconds: 0.1),
                      link: ScriptedAgentLink) async throws -> ControlPlaneHarness {
        let store = MemoryStore()
        let controlPlane = ControlPlane(configuration: configuration, store: store, link: link,
                                       isolationNote: "none: test", logger: Logger(label: "test"))
        try await controlPlane.load()
        let runner = Task { try await controlPlane.run() }
        return ControlPlaneHarness(controlPlane: controlPlane, store: store, runner: runner)
    }

    /// Apps whose cmd mentions `bad` crash at once; the rest run healthy.
    static func crashBad() -> ScriptedAgentLink {
        ScriptedAgentLink { app in app.cmd?.contains("bad") == true ? .crash("exited with code 1") : .run(healthy: true) }
    }

    @Test("new instances that keep crashing fail the deployment, which rolls back keeping the old instances")
    func crashingVersionRollsBack() async throws {
        let link = Self.crashBad()
        let h = try await Self.start(link: link)
        defer { Task { await h.stop() } }
        let events = EventRecorder(h.controlPlane.events.subscribe(types: ["deployment_failed", "deployment_success"]))
        let app = sleepApp("/web", instances: 3)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 3) }
        let before = Set(await h.running(app.id).map(\.id))
        let originalConfig = await h.state.apps[app.id]?.versionInfo?.lastConfigChangeAt

        var bad = app
        bad.cmd = "bad"
        let failing = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: bad]))

        let failed = try await events.first(timeout: 30, "deployment_failed of \(failing.deploymentId)") { frame in
            frame.eventType == "deployment_failed"
                && (try? EventRecorder.object(frame))?["id"] as? String == failing.deploymentId
        }
        let failure = try EventRecorder.object(failed)["reason"] as? String
        #expect(failure?.contains("failed without one becoming healthy") == true, "\(failure ?? "nil")")
        try await h.waitUntil { await h.settled(app.id, running: 3) }
        let state = await h.state
        #expect(state.apps[app.id]?.cmd == app.cmd)
        #expect(state.apps[app.id]?.versionInfo?.lastConfigChangeAt == originalConfig, "rollback restarted the old configuration")
        #expect(Set(await h.running(app.id).map(\.id)) == before, "old instances were replaced")
        #expect(link.launches(of: "bad") >= 3)
    }

    @Test("a version that never gets healthy fails at its progress deadline and rolls back")
    func deadline() async throws {
        let link = ScriptedAgentLink { app in app.cmd == "sleep 1000" ? .run(healthy: true) : .run(healthy: nil) }
        let h = try await Self.start(link: link)
        defer { Task { await h.stop() } }
        var app = sleepApp("/slow", instances: 2)
        app.healthChecks = [HealthCheck(protocol: .tcp, intervalSeconds: 1, timeoutSeconds: 0)]
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 2) }
        let before = Set(await h.running(app.id).map(\.id))

        var stuck = app
        stuck.cmd = "sleep 2000"
        stuck.progressDeadlineSeconds = 1
        let started = ContinuousClock.now
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: stuck]))
        try await h.waitUntil(timeout: 10, "the rollback to finish") {
            let state = await h.state
            return state.deployments.isEmpty && state.apps[app.id]?.cmd == app.cmd
        }
        #expect(ContinuousClock.now - started >= .seconds(1))
        #expect(Set(await h.running(app.id).map(\.id)) == before)
    }

    @Test("with autoRollback false a failed deployment ends without a rollback")
    func noRollback() async throws {
        let h = try await Self.start(link: Self.crashBad())
        defer { Task { await h.stop() } }
        let app = sleepApp("/keep", instances: 1)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 1) }
        var bad = app
        bad.cmd = "bad"
        bad.autoRollback = false
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: bad]))
        try await h.waitUntil(timeout: 15, "the deployment to fail") { await h.state.deployments.isEmpty }
        let state = await h.state
        #expect(state.apps[app.id]?.cmd == "bad", "the failed version was rolled back")
        #expect(await h.running(app.id).count >= 1, "the old instance was killed")
    }

    @Test("reverting a rolling upgrade keeps the instances of the original configuration")
    func revertKeepsOriginalInstances() async throws {
        let link = ScriptedAgentLink { app in app.cmd == "sleep 1000" ? .run(healthy: true) : .run(healthy: nil) }
        let h = try await Self.start(link: link)
        defer { Task { await h.stop() } }
        var app = sleepApp("/revert", instances: 2)
        app.healthChecks = [HealthCheck(protocol: .tcp, intervalSeconds: 1, timeoutSeconds: 0)]
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 2) }
        let before = Set(await h.running(app.id).map(\.id))
        var next = app
        next.cmd = "sleep 2000"
        let upgrade = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: next]))
        try await h.waitUntil { await h.state.instances(of: app.id).count > 2 }
        _ = try await h.controlPlane.cancelDeployment(upgrade.deploymentId, force: false)
        try await h.waitUntil { await h.settled(app.id, total: 2) }
        #expect(Set(await h.running(app.id).map(\.id)) == before)
    }

    @Test("an instance whose checks ask for its kill is killed, recorded and replaced")
    func unhealthyKill() async throws {
        let link = ScriptedAgentLink { app in
            app.cmd == "sick" ? .failChecks("health check 0 (HTTP /) failed 3 times in a row: HTTP 503") : .run(healthy: true)
        }
        let h = try await Self.start(link: link)
        defer { Task { await h.stop() } }
        let events = EventRecorder(h.controlPlane.events.subscribe(types: ["unhealthy_instance_kill_event"]))
        var app = sleepApp("/sick", instances: 1)
        app.cmd = "sick"
        app.healthChecks = [HealthCheck(protocol: .http, path: "/", intervalSeconds: 1, timeoutSeconds: 0)]
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        let json = try EventRecorder.object(try await events.next())
        #expect((json["reason"] as? String)?.contains("HTTP 503") == true)
        try await h.waitUntil { link.launches(of: "sick") >= 2 }
        #expect(await h.state.lastTaskFailures[app.id]?.message.contains("failed 3 times") == true)
    }

    @Test("a new app whose deployment fails is kept (with its lastTaskFailure), not rolled back out of existence")
    func newAppIsNotDeleted() async throws {
        let h = try await Self.start(link: Self.crashBad())
        defer { Task { await h.stop() } }
        var app = sleepApp("/fresh", instances: 2)
        app.cmd = "bad"
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil(timeout: 15, "the deployment to fail") { await h.state.deployments.isEmpty }
        let state = await h.state
        #expect(state.apps[app.id]?.cmd == "bad")
        #expect(state.lastTaskFailures[app.id] != nil)
    }

    @Test("changing only the deployment policy restarts nothing")
    func policyChangeRestartsNothing() async throws {
        let h = try await Self.start(link: Self.crashBad())
        defer { Task { await h.stop() } }
        let app = sleepApp("/policy", instances: 2)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 2) }
        let before = Set(await h.running(app.id).map(\.id))
        let config = await h.state.apps[app.id]?.versionInfo?.lastConfigChangeAt
        var relaxed = app
        relaxed.progressDeadlineSeconds = 60
        relaxed.autoRollback = false
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: relaxed]))
        let state = await h.state
        #expect(state.deployments.isEmpty)
        #expect(state.apps[app.id]?.autoRollback == false)
        #expect(state.apps[app.id]?.versionInfo?.lastConfigChangeAt == config)
        #expect(Set(await h.running(app.id).map(\.id)) == before)
    }

    @Test("an app with readiness checks and no health checks completes its deployment once ready")
    func readinessOnly() async throws {
        let link = ScriptedAgentLink { _ in .run(healthy: nil) }
        let h = try await Self.start(link: link)
        defer { Task { await h.stop() } }
        var app = sleepApp("/ready", instances: 1)
        app.portDefinitions = [PortDefinition(port: 0, protocol: "tcp", name: "http")]
        app.readinessChecks = [ReadinessCheck(portName: "http", intervalSeconds: 2, timeoutSeconds: 1)]
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        // The scripted agent reports readiness as ready at once.
        try await h.waitUntil(timeout: 30) { await h.settled(app.id, running: 1) }
    }

    @Test("health reported unknown again (agent restart) keeps the last known result")
    func unknownKeepsLastResult() async throws {
        let link = ScriptedAgentLink { _ in .healthyThenUnknown }
        let h = try await Self.start(link: link)
        defer { Task { await h.stop() } }
        let events = EventRecorder(h.controlPlane.events.subscribe(types: ["health_status_changed_event"]))
        var app = sleepApp("/steady", instances: 1)
        app.healthChecks = [HealthCheck(protocol: .tcp, intervalSeconds: 1, timeoutSeconds: 0)]
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil { await h.settled(app.id, running: 1) }
        let first = try await events.next()
        #expect(first.eventType == "health_status_changed_event")
        let launched = try #require(await h.running(app.id).first)
        // The unknown report has been handled once the agent registered after it is known.
        try await h.waitUntil("the report after the unknown health was handled") {
            await h.state.agents[ScriptedAgentLink.afterUnknownMarker(launched.id)] != nil
        }
        let instance = try #require(await h.running(app.id).first)
        #expect(instance.id == launched.id)
        #expect(instance.healthy == true)
        #expect(instance.health?.results.first??.alive == true)
    }

    @Test("progress of a starting task (image pull) is published as TASK_STARTING status updates")
    func pullProgressEvents() async throws {
        let messages = ["pulling r/x:1", "pulling r/x:1: a1 Downloading 1MB/2MB", "pulling r/x:1: a1 Pull complete"]
        let h = try await Self.start(link: ScriptedAgentLink { _ in .starting(messages) })
        defer { Task { await h.stop() } }
        let events = EventRecorder(h.controlPlane.events.subscribe(types: ["status_update_event"]))
        let app = sleepApp("/pulled", instances: 1)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        _ = try await events.first("TASK_RUNNING") { (try? EventRecorder.object($0))?["taskStatus"] as? String == "TASK_RUNNING" }
        let seen = try events.received.map(EventRecorder.object)
            .filter { $0["taskStatus"] as? String == "TASK_STARTING" }
            .compactMap { $0["message"] as? String }
        #expect(seen == messages)
    }
}

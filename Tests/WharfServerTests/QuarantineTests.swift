import Foundation
import Logging
import Synchronization
import Testing
@testable import WharfServer
import WharfModel
import WharfStore

/// One agent whose tasks outlive the control plane, as real tasks do: a link made over the same
/// `TaskTable` registers and reports them, as a restarted agent that re-adopted them would. Records
/// every command it is sent.
final class SurvivingAgentLink: AgentLink {
    /// The tasks running on the agent, by instance id; shared by the links of successive control planes.
    final class TaskTable: Sendable {
        let tasks = Mutex<[String: TaskStatus]>([:])
    }

    let reports: AsyncStream<AgentReport>
    private let continuation: AsyncStream<AgentReport>.Continuation
    private let table: TaskTable
    private let sent = Mutex<[AgentCommand]>([])

    init(table: TaskTable) {
        self.table = table
        (reports, continuation) = AsyncStream<AgentReport>.makeStream()
        let info = AgentInfo(id: "a0", host: "127.0.0.1", capacity: Resources(cpus: 16, mem: 16_384, disk: 10_000),
                             portRanges: [PortRange(begin: 31000, end: 31999)], attributes: [:],
                             runtimes: ["process"], isolation: "none: test")
        continuation.yield(.registered(info))
        continuation.yield(.fullState(agentId: info.id, table.tasks.withLock { Array($0.values) }))
    }

    /// Instance ids the control plane asked to kill.
    var kills: [String] {
        sent.withLock { $0.compactMap { if case let .kill(kill) = $0 { return kill.instanceId } else { return nil } } }
    }

    /// Apps of the launches the control plane sent.
    var launchedApps: [PathId] {
        sent.withLock { $0.compactMap { if case let .launch(launch) = $0 { return launch.app.id } else { return nil } } }
    }

    func send(_ command: AgentCommand, to agentId: String) {
        sent.withLock { $0.append(command) }
        let now = Timestamp.now()
        switch command {
        case let .launch(task):
            let status = TaskStatus(instanceId: task.instance.id, incarnation: task.instance.incarnation, state: .running,
                                    message: "started", timestamp: now)
            table.tasks.withLock { $0[task.instance.id] = status }
            continuation.yield(.status(agentId: agentId, status))
        case let .kill(kill):
            let known = table.tasks.withLock { $0.removeValue(forKey: kill.instanceId) }
            continuation.yield(.status(agentId: agentId, TaskStatus(
                instanceId: kill.instanceId, incarnation: known?.incarnation ?? 0, state: .killed, message: kill.reason, timestamp: now)))
        case .reconcile:
            continuation.yield(.fullState(agentId: agentId, table.tasks.withLock { Array($0.values) }))
        }
    }
}

/// Records that cannot be read never get a task killed: a newer schema stops the start; a damaged
/// record quarantines the app it concerns, whose tasks are then neither killed nor replaced.
@Suite("Quarantine of unreadable records", .timeLimit(.minutes(2)))
struct QuarantineTests {
    let store = MemoryStore()
    let table = SurvivingAgentLink.TaskTable()

    /// A control plane over the store and the surviving tasks.
    func start() async throws -> (ControlPlaneHarness, SurvivingAgentLink) {
        let link = SurvivingAgentLink(table: table)
        let controlPlane = ControlPlane(
            configuration: ServerConfiguration(resyncIntervalSeconds: 0.1), store: store, link: link,
            isolationNote: "none: test", logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try await controlPlane.load()
        let runner = Task { try await controlPlane.run() }
        return (ControlPlaneHarness(controlPlane: controlPlane, store: store, runner: runner), link)
    }

    /// `/web` (2 instances) and `/other` (1) running; the control plane stopped. Returns web's instance ids.
    func runningCluster() async throws -> [String] {
        let (h, _) = try await start()
        for app in [sleepApp("/web", instances: 2), sleepApp("/other")] {
            _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        }
        try await h.waitUntil {
            let web = await h.settled(PathId("/web"), running: 2)
            let other = await h.settled(PathId("/other"), running: 1)
            return web && other
        }
        let web = await h.running(PathId("/web")).map(\.id).sorted()
        await h.stop()
        return web
    }

    /// Waits until the control plane has taken the agent's report and run `passes` more reconcile
    /// passes over it, with `/canary` launched meanwhile as proof that the scheduler ran.
    func reconciled(_ h: ControlPlaneHarness, passes: UInt64 = 5) async throws {
        try await h.waitUntil("the agent's report is applied") { await h.state.agents["a0"] != nil }
        let canary = sleepApp("/canary")
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [canary.id: canary]))
        try await h.waitUntil("/canary runs") { await h.settled(canary.id, running: 1) }
        let start = await h.controlPlane.passCount
        try await h.waitUntil("\(passes) more passes") { await h.controlPlane.passCount >= start + passes }
    }

    @Test("a damaged app record: the app is quarantined, its tasks neither killed nor replaced, until forced out")
    func damagedAppRecord() async throws {
        let web = try await runningCluster()
        let damaged = Data(#"{"app": {"id": "/web", "cmd": "#.utf8)
        try await store.put("apps/web", damaged)

        let (h, link) = try await start()
        defer { Task { await h.stop() } }
        try await reconciled(h)
        let state = await h.state
        #expect(state.apps[PathId("/web")] == nil)
        #expect(state.quarantine.apps[PathId("/web")] == ["apps/web"])
        #expect(state.quarantine.records["apps/web"] == "not valid JSON")
        #expect(state.instances(of: PathId("/web")).map(\.id).sorted() == web)
        #expect(state.instances(of: PathId("/web")).allSatisfy { $0.state == .running && $0.goal == .running })
        #expect(link.kills.isEmpty, "killed: \(link.kills)")
        #expect(!link.launchedApps.contains(PathId("/web")), "a quarantined app's task was replaced")
        #expect(try await store.get("apps/web")?.value == damaged, "the unreadable record must be left as it is")
        #expect(state.quarantine.explanation(for: PathId("/web"))?.contains("DELETE /v2/apps/web?force=true") == true)

        // Changes to it are refused, saying why, unless forced.
        await #expect(throws: ControlPlaneError.self) {
            _ = try await h.controlPlane.deploy(DeployRequest(apps: [PathId("/web"): sleepApp("/web", instances: 3)]))
        }
        #expect(link.kills.isEmpty)
        var removal = DeployRequest(apps: [PathId("/web"): Optional<AppDefinition>.none], force: true)
        removal.liftsQuarantine = true
        _ = try await h.controlPlane.deploy(removal)
        try await h.waitUntil("the removed app's tasks are killed") { Set(link.kills) == Set(web) }
        #expect(await h.state.quarantine.isEmpty)
        #expect(try await store.get("apps/web") == nil)
        #expect(await h.state.instances(of: PathId("/other")).count == 1)
    }

    @Test("a damaged instance record quarantines its app; the task it describes is not killed when reported")
    func damagedInstanceRecord() async throws {
        let web = try await runningCluster()
        try await store.put("instances/" + web[0], Data(#"{"id": "\#(web[0])", "state": "TASK_SOMETHING_NEW"}"#.utf8))

        let (h, link) = try await start()
        defer { Task { await h.stop() } }
        try await reconciled(h)
        let state = await h.state
        #expect(state.quarantine.instanceIds == [web[0]])
        #expect(state.quarantine.apps[PathId("/web")] == ["instances/" + web[0]])
        #expect(state.instances(of: PathId("/web")).map(\.id) == [web[1]], "the readable instance stays known")
        #expect(link.kills.isEmpty, "killed: \(link.kills)")
        #expect(!link.launchedApps.contains(PathId("/web")), "the unreadable instance was replaced")
        await #expect(throws: ControlPlaneError.self) {
            _ = try await h.controlPlane.deploy(DeployRequest(restart: [PathId("/web")]))
        }
        #expect(link.kills.isEmpty)

        // A forced change takes the app over: the unreadable record goes, and the task it described
        // is now unknown (the agent is asked to report again) and stopped, as any unknown task is.
        var takeover = DeployRequest(apps: [PathId("/web"): sleepApp("/web", instances: 2)], force: true)
        takeover.liftsQuarantine = true
        _ = try await h.controlPlane.deploy(takeover)
        #expect(await h.state.quarantine.isEmpty)
        #expect(try await store.get("instances/" + web[0]) == nil)
        try await h.waitUntil("the task of the deleted record is stopped") { link.kills.contains(web[0]) }
        try await h.waitUntil("/web runs 2 instances again") { await h.settled(PathId("/web"), running: 2) }
    }

    @Test("an unreadable deployment record quarantines the apps it names")
    func damagedDeploymentRecord() async throws {
        _ = try await runningCluster()
        let damaged = #"{"id": "d1", "steps": [{"actions": [{"action": "ScaleApplication", "app": "/web"}]}], "target": 7}"#
        try await store.put("deployments/d1", Data(damaged.utf8))

        let (h, link) = try await start()
        defer { Task { await h.stop() } }
        try await reconciled(h)
        let state = await h.state
        #expect(state.quarantine.apps.keys.sorted() == [PathId("/web")])
        #expect(state.deployments.isEmpty)
        #expect(state.instances(of: PathId("/web")).count == 2)
        #expect(link.kills.isEmpty)
    }

    @Test("a deployment record that is not JSON at all names no app: every app is left alone")
    func unparseableDeploymentRecord() async throws {
        _ = try await runningCluster()
        try await store.put("deployments/d2", Data("not json".utf8))

        let (h, link) = try await start()
        defer { Task { await h.stop() } }
        try await reconciled(h)
        let state = await h.state
        #expect(state.quarantine.apps.keys.sorted() == [PathId("/other"), PathId("/web")])
        #expect(state.instances(of: PathId("/web")).count == 2)
        #expect(link.kills.isEmpty, "killed: \(link.kills)")
    }

    @Test("a task whose record its agent cannot read quarantines its app until the record reads again")
    func unreadableAgentRecord() async throws {
        let web = try await runningCluster()
        let unreadable = TaskStatus(instanceId: web[0], incarnation: 0, state: .unreachable,
                                    message: "the agent cannot read the task's record", timestamp: .now(), reason: .unreadableRecord)
        let running = table.tasks.withLock { tasks in
            defer { tasks[web[0]] = unreadable }
            return tasks[web[0]]
        }

        let (h, link) = try await start()
        defer { Task { await h.stop() } }
        try await reconciled(h)
        #expect(await h.state.quarantine.apps[PathId("/web")] != nil)
        #expect(await h.state.quarantine.instanceIds == [web[0]])
        // Neither a scale-down (which would pick the unreachable instance first) nor a restart touches it.
        await #expect(throws: ControlPlaneError.self) {
            _ = try await h.controlPlane.deploy(DeployRequest(apps: [PathId("/web"): sleepApp("/web", instances: 1)]))
        }
        await #expect(throws: ControlPlaneError.self) {
            _ = try await h.controlPlane.deploy(DeployRequest(restart: [PathId("/web")]))
        }
        #expect(link.kills.isEmpty, "killed: \(link.kills)")
        #expect(!link.launchedApps.contains(PathId("/web")), "the unreachable instance was replaced")

        // After an upgrade the agent reads the record and reports the task as usual.
        table.tasks.withLock { $0[web[0]] = running }
        link.send(.reconcile, to: "a0")
        try await h.waitUntil("the quarantine is lifted") { await h.state.quarantine.isEmpty }
        #expect(await h.state.instances.values.first { $0.id == web[0] }?.state == .running)
        #expect(link.kills.isEmpty)
    }

    @Test("a record of a newer schema stops the start, naming it; nothing is written")
    func newerRecordStopsTheStart() async throws {
        _ = try await runningCluster()
        let record = try #require(try await store.get("apps/web"))
        var object = try #require(try JSONSerialization.jsonObject(with: record.value) as? [String: Any])
        object["schemaVersion"] = 7
        try await store.put("apps/web", try JSONSerialization.data(withJSONObject: object))
        let revision = try await store.currentRevision()

        let controlPlane = ControlPlane(
            configuration: ServerConfiguration(), store: store, link: SurvivingAgentLink(table: table),
            isolationNote: "none: test", logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        do {
            try await controlPlane.load()
            Issue.record("the control plane loaded a record of schema version 7")
        } catch let error as NewerRecordsError {
            #expect(error.description.hasPrefix("record apps/web has schema version 7; this wharf reads up to \(RecordSchema.current)."),
                    "\(error)")
            #expect(error.description.contains("Nothing was changed; running tasks were left alone."))
        }
        #expect(try await store.currentRevision() == revision)
    }

    @Test("an instance whose record cannot be encoded is not launched")
    func unencodableInstanceIsNotLaunched() async throws {
        let (h, _) = try await start()
        defer { Task { await h.stop() } }
        func instance(_ id: String, cpus: Double) -> Instance {
            Instance(id: id, appId: PathId("/web"), appVersion: Timestamp(millis: 1), configVersion: Timestamp(millis: 1),
                     agentId: "a0", host: "127.0.0.1", ports: [], resources: Resources(cpus: cpus, mem: 16, disk: 0),
                     stagedAt: Timestamp(millis: 1))
        }
        let (operations, persisted) = await h.controlPlane.launchRecords([instance("web.instance-a", cpus: 0.1), instance("web.instance-b", cpus: .nan)])
        #expect(persisted.map(\.id) == ["web.instance-a"])
        #expect(operations.count == 1)
    }
}

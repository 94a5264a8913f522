import Foundation
import Logging
import Testing
import WharfModel
@testable import WharfServer
import WharfStore

/// An ``AgentLink`` to agents the test can cut off and bring back: tasks of a cut-off agent keep
/// "running" (as on a node behind a broken network), commands to it are lost, and the test says
/// when the link gives it up (`unreachable`) and when it registers again with what it still runs.
final class PartitionableAgentLink: AgentLink {
    let reports: AsyncStream<AgentReport>
    private let continuation: AsyncStream<AgentReport>.Continuation
    private let agents = LockedValue<[String: ScriptedAgent]>([:])

    struct ScriptedAgent {
        var info: AgentInfo
        var cut = false
        var tasks: [String: TaskStatus] = [:]
        /// Instances the control plane asked this agent to kill.
        var killed: [String] = []
    }

    init() {
        (reports, continuation) = AsyncStream<AgentReport>.makeStream()
    }

    /// Registers `id` (again) with the tasks it still holds, and lets commands reach it.
    func register(_ id: String, host: String, cpus: Double = 4) {
        let info = AgentInfo(id: id, host: host, capacity: Resources(cpus: cpus, mem: 4096, disk: 10_000),
                             portRanges: [PortRange(begin: 31000, end: 31999)])
        let tasks = agents.withLock { agents -> [TaskStatus] in
            agents[id, default: ScriptedAgent(info: info)].cut = false
            return Array(agents[id]!.tasks.values)
        }
        continuation.yield(.registered(info))
        continuation.yield(.fullState(agentId: id, tasks))
    }

    /// Cuts `id` off: its commands are lost from now on, and the link declares it unreachable.
    func cut(_ id: String) {
        agents.withLock { $0[id]?.cut = true }
        continuation.yield(.unreachable(agentId: id, reason: "cut off by the test"))
    }

    /// Instance ids `id` runs.
    func running(on id: String) -> Set<String> {
        agents.withLock { Set($0[id]?.tasks.keys.map { $0 } ?? []) }
    }

    /// Instances the control plane asked `id` to kill (while it could hear).
    func kills(on id: String) -> [String] {
        agents.withLock { $0[id]?.killed ?? [] }
    }

    func send(_ command: AgentCommand, to agentId: String) {
        let now = Timestamp.now()
        let report: AgentReport? = agents.withLock { agents in
            guard var agent = agents[agentId], !agent.cut else { return nil }
            defer { agents[agentId] = agent }
            switch command {
            case let .launch(task):
                let status = TaskStatus(instanceId: task.instance.id, incarnation: task.instance.incarnation, state: .running, timestamp: now)
                agent.tasks[task.instance.id] = status
                return .status(agentId: agentId, status)
            case let .kill(kill):
                agent.killed.append(kill.instanceId)
                let incarnation = agent.tasks.removeValue(forKey: kill.instanceId)?.incarnation ?? 0
                return .status(agentId: agentId, TaskStatus(instanceId: kill.instanceId, incarnation: incarnation, state: .killed, timestamp: now))
            case .reconcile:
                return .fullState(agentId: agentId, Array(agent.tasks.values))
            }
        }
        if let report { continuation.yield(report) }
    }
}

@Suite("Node loss and return in the control plane", .timeLimit(.minutes(3)))
struct NodeLossTests {
    struct Cluster {
        let controlPlane: ControlPlane
        let link: PartitionableAgentLink
        let runner: Task<Void, any Error>
        let harness: ControlPlaneHarness

        static func start(store: any StateStore = MemoryStore(), agents: [String] = ["a1", "a2"],
                          reconnectGrace: Double = 60) async throws -> Cluster {
            let link = PartitionableAgentLink()
            var configuration = ServerConfiguration(resyncIntervalSeconds: 0.2, agentReregistrationSeconds: reconnectGrace)
            configuration.agentTimeoutSeconds = 2
            let controlPlane = ControlPlane(configuration: configuration, store: store, link: link,
                                            isolationNote: "none: test", logger: Logger(label: "test"))
            try await controlPlane.load()
            let runner = Task { try await controlPlane.run() }
            for (index, agent) in agents.enumerated() { link.register(agent, host: "10.0.0.\(index + 1)") }
            return Cluster(controlPlane: controlPlane, link: link, runner: runner,
                           harness: ControlPlaneHarness(controlPlane: controlPlane, store: store, runner: runner))
        }

        func stop() async {
            runner.cancel()
            _ = await runner.result
        }

        /// Deploys `instances` of a sleeping app, one per agent (hostname UNIQUE), and waits for them.
        func deploy(_ id: String, instances: Int = 2, strategy: UnreachableStrategy) async throws -> AppDefinition {
            var app = sleepApp(id, instances: instances)
            app.unreachableStrategy = strategy
            app.constraints = [Constraint(field: "hostname", op: .unique)]
            _ = try await controlPlane.deploy(DeployRequest(apps: [app.id: app]))
            try await harness.waitUntil("\(id) runs") { await harness.settled(app.id, running: instances) }
            return app
        }

        /// Instance ids of `app` in the catalog.
        var cataloged: Set<String> {
            Set(controlPlane.catalog.snapshot.services.values.flatMap(\.endpoints).map(\.instanceId))
        }
    }

    @Test("with Marathon's default strategy (0/0) the instances of a lost agent leave the catalog, are replaced, and are killed when it returns")
    func defaultStrategy() async throws {
        let cluster = try await Cluster.start(agents: ["a1", "a2", "a3"])
        defer { Task { await cluster.stop() } }
        let app = try await cluster.deploy("/web", strategy: .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0))
        let lostAgent = try #require(await cluster.harness.running(app.id).first?.agentId)
        let lost = cluster.link.running(on: lostAgent)

        cluster.link.cut(lostAgent)
        try await cluster.harness.waitUntil("replaced elsewhere") {
            let running = await cluster.harness.running(app.id)
            return running.count == 2 && !running.contains { $0.agentId == lostAgent }
        }
        let state = await cluster.controlPlane.currentState()
        #expect(state.unreachableAgents[lostAgent] != nil && state.agents[lostAgent] == nil)
        #expect(lost.allSatisfy { state.instances[$0] == nil }, "expunged at once")
        #expect(cluster.cataloged.isDisjoint(with: lost))

        // Back with its old task still running: it is unknown now, and killed.
        cluster.link.register(lostAgent, host: "10.0.0.9")
        try await cluster.harness.waitUntil("the returning agent's stale task is killed") {
            cluster.link.running(on: lostAgent).isDisjoint(with: lost)
        }
        #expect(Set(cluster.link.kills(on: lostAgent)).isSuperset(of: lost))
        #expect(await cluster.harness.running(app.id).count == 2)
        #expect(await cluster.controlPlane.currentState().unreachableAgents[lostAgent] == nil)
    }

    @Test("with unreachableStrategy disabled the instance waits as TASK_UNREACHABLE, out of the catalog, and is kept when its agent returns")
    func disabledStrategy() async throws {
        let cluster = try await Cluster.start()
        defer { Task { await cluster.stop() } }
        let app = try await cluster.deploy("/db", strategy: .disabled)
        let lostAgent = try #require(await cluster.harness.running(app.id).first?.agentId)
        let lost = try #require(cluster.link.running(on: lostAgent).first)

        cluster.link.cut(lostAgent)
        try await cluster.harness.waitUntil("unreachable") {
            await cluster.controlPlane.currentState().instances[lost]?.state == .unreachable
        }
        #expect(!cluster.cataloged.contains(lost))
        // Several passes later: neither replaced nor expunged.
        try await Task.sleep(for: .milliseconds(800))
        let instances = await cluster.controlPlane.currentState().instances(of: app.id)
        #expect(instances.count == 2)
        #expect(instances.first { $0.id == lost }?.state == .unreachable)

        cluster.link.register(lostAgent, host: "10.0.0.1")
        try await cluster.harness.waitUntil("running again") {
            await cluster.controlPlane.currentState().instances[lost]?.state == .running
        }
        #expect(cluster.link.kills(on: lostAgent).isEmpty)
        try await cluster.harness.waitUntil("back in the catalog") { cluster.cataloged.contains(lost) }
    }

    @Test("after inactiveAfterSeconds a replacement runs; when the agent returns before expungeAfterSeconds the surplus is killed")
    func inactiveThenSurplus() async throws {
        let cluster = try await Cluster.start(agents: ["a1", "a2", "a3"])
        defer { Task { await cluster.stop() } }
        let app = try await cluster.deploy("/api", strategy: .enabled(inactiveAfterSeconds: 2, expungeAfterSeconds: 3600))
        let lostAgent = try #require(await cluster.harness.running(app.id).first?.agentId)

        cluster.link.cut(lostAgent)
        try await cluster.harness.waitUntil("unreachable, not yet replaced") {
            await cluster.controlPlane.currentState().instances(of: app.id).contains { $0.state == .unreachable }
        }
        #expect(await cluster.harness.running(app.id).count == 1)
        try await cluster.harness.waitUntil("replaced once inactive") { await cluster.harness.running(app.id).count == 2 }
        #expect(await cluster.controlPlane.currentState().instances(of: app.id).count == 3)

        cluster.link.register(lostAgent, host: "10.0.0.1")
        try await cluster.harness.waitUntil("back to 2 of 2") { await cluster.harness.settled(app.id, total: 2) }
        #expect(await cluster.harness.running(app.id).count == 2)
        let killed = (["a1", "a2", "a3"].flatMap { cluster.link.kills(on: $0) })
        #expect(killed.count == 1)
    }

    @Test("after a restart, an agent that does not come back within the grace is unreachable and its instances follow their strategy")
    func graceAfterRestart() async throws {
        let store = MemoryStore()
        let before = try await Cluster.start(store: store)
        let app = try await before.deploy("/web", strategy: .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0))
        let onA2 = await before.harness.running(app.id).filter { $0.agentId == "a2" }.map(\.id)
        #expect(onA2.count == 1)
        await before.stop()

        // Only a1 comes back; a third agent takes the replacement.
        let after = try await Cluster.start(store: store, agents: ["a1", "a3"], reconnectGrace: 1)
        defer { Task { await after.stop() } }
        try await after.harness.waitUntil("a2 declared unreachable") {
            await after.controlPlane.currentState().unreachableAgents["a2"] != nil
        }
        let declaredAt = Timestamp.now()
        #expect(declaredAt.seconds(since: after.controlPlane.startedAt) >= 1)
        try await after.harness.waitUntil("replaced on a3") {
            let running = await after.harness.running(app.id)
            return running.count == 2 && running.contains { $0.agentId == "a3" }
        }
        #expect(await after.controlPlane.currentState().instances[onA2[0]] == nil)
    }
}

import Foundation
import Logging
import Testing
import WharfModel
import WharfServer
import WharfStore

/// A control plane on an in-memory store and simulated agents, running its loops in a task.
struct ControlPlaneHarness {
    let controlPlane: ControlPlane
    let store: any StateStore
    let runner: Task<Void, Error>

    static func start(store: any StateStore = MemoryStore(), agents: Int = 3,
                      capacity: Resources = Resources(cpus: 4, mem: 4096, disk: 10_000)) async throws -> ControlPlaneHarness {
        let link = SimulatedAgentLink(count: agents, capacity: capacity, portRange: PortRange(begin: 31000, end: 31999))
        let controlPlane = ControlPlane(
            configuration: ServerConfiguration(resyncIntervalSeconds: 0.2), store: store, link: link,
            isolationNote: "none: test", logger: Logger(label: "test"))
        try await controlPlane.load()
        let runner = Task { try await controlPlane.run() }
        return ControlPlaneHarness(controlPlane: controlPlane, store: store, runner: runner)
    }

    func stop() async {
        runner.cancel()
        _ = await runner.result
    }

    var state: ClusterState {
        get async { await controlPlane.currentState() }
    }

    func running(_ app: PathId) async -> [Instance] {
        await state.instances(of: app).filter { $0.state == .running && $0.goal == .running }
    }

    /// No deployment runs and `app` has exactly `running` running instances.
    func settled(_ app: PathId, running: Int) async -> Bool {
        let state = await state
        return state.deployments.isEmpty
            && state.instances(of: app).filter { $0.state == .running && $0.goal == .running }.count == running
    }

    /// No deployment runs and `app` has exactly `total` instances of any state.
    func settled(_ app: PathId, total: Int) async -> Bool {
        let state = await state
        return state.deployments.isEmpty && state.instances(of: app).count == total
    }

    /// Waits until `condition` holds, polling, or fails the test after `timeout` seconds.
    func waitUntil(timeout: Double = 30, _ what: String = "condition",
                   _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }
}

func sleepApp(_ id: String, instances: Int = 1, cpus: Double = 0.1) -> AppDefinition {
    var app = AppDefinition(id: PathId(id))
    app.cmd = "sleep 1000"
    app.instances = instances
    app.cpus = cpus
    app.mem = 32
    return app
}

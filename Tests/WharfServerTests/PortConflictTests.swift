import Foundation
import Logging
import Synchronization
import Testing
import WharfModel
import WharfServer
import WharfStore

/// One agent whose first launch finds its port taken: it announces the port in `portsInUse` and
/// drops the task with reason `portConflict`, as the real agent does; later launches run.
final class PortConflictLink: AgentLink {
    let reports: AsyncStream<AgentReport>
    private let continuation: AsyncStream<AgentReport>.Continuation
    /// Ports of every launch, in order.
    let launchedPorts = Mutex<[[Int]]>([])

    init() {
        (reports, continuation) = AsyncStream<AgentReport>.makeStream()
        let info = AgentInfo(id: "a0", host: "127.0.0.1", capacity: Resources(cpus: 4, mem: 4096, disk: 1000),
                             portRanges: [PortRange(begin: 31000, end: 31009)])
        continuation.yield(.registered(info))
        continuation.yield(.fullState(agentId: info.id, []))
    }

    func send(_ command: AgentCommand, to agentId: String) {
        let now = Timestamp.now()
        switch command {
        case let .launch(task):
            let instance = task.instance
            let first = launchedPorts.withLock { launched in
                launched.append(instance.ports)
                return launched.count == 1
            }
            if first {
                continuation.yield(.portsInUse(agentId: agentId, instance.ports))
                continuation.yield(.status(agentId: agentId, TaskStatus(
                    instanceId: instance.id, incarnation: instance.incarnation, state: .dropped,
                    message: "not started: host port \(instance.ports[0]) is already in use", timestamp: now,
                    reason: .portConflict)))
            } else {
                continuation.yield(.status(agentId: agentId, TaskStatus(
                    instanceId: instance.id, incarnation: instance.incarnation, state: .running, timestamp: now)))
            }
        case let .kill(kill):
            continuation.yield(.status(agentId: agentId, TaskStatus(
                instanceId: kill.instanceId, incarnation: 0, state: .killed, message: kill.reason, timestamp: now)))
        case .reconcile:
            break
        }
    }
}

@Suite("Port conflicts", .timeLimit(.minutes(1)))
struct PortConflictTests {
    @Test("by default service ports (Marathon's 10000-20000) and task ports (Mesos' 31000-32000) are disjoint")
    func defaultRangesAreDisjoint() {
        let configuration = ServerConfiguration()
        #expect(configuration.servicePorts == PortRange(begin: 10000, end: 20000))
        #expect(configuration.taskPorts == [PortRange(begin: 31000, end: 32000)])
        let service = configuration.servicePorts
        #expect(!configuration.taskPorts.contains { $0.begin <= service.end && service.begin <= $0.end })
    }

    @Test("a port conflict places the instance again on another port, without backoff or a recorded failure")
    func portConflictIsNotTheAppsFailure() async throws {
        let link = PortConflictLink()
        let store = MemoryStore()
        let controlPlane = ControlPlane(configuration: ServerConfiguration(resyncIntervalSeconds: 0.1), store: store,
                                        link: link, isolationNote: "none: test", logger: Logger(label: "test"))
        try await controlPlane.load()
        let h = ControlPlaneHarness(controlPlane: controlPlane, store: store, runner: Task { try await controlPlane.run() })
        defer { Task { await h.stop() } }

        var app = sleepApp("/web")
        app.backoffSeconds = 300
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil("the replacement runs") { await h.settled(app.id, running: 1) }

        let launched = link.launchedPorts.withLock { $0 }
        #expect(launched.count == 2, "\(launched)")
        #expect(launched.count == 2 && launched[0] != launched[1], "the replacement got the taken port again: \(launched)")
        let state = await h.state
        #expect(state.lastTaskFailures[app.id] == nil, "a port conflict is not the app's failure")
        #expect(state.backoff[app.id] == nil, "a port conflict must not delay the next launch")
        #expect(await h.running(app.id).first?.ports != launched.first)
    }
}

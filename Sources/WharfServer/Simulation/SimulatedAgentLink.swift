import Foundation
import WharfModel

/// An `AgentLink` to a fleet of simulated agents that run nothing: launched tasks report
/// TASK_RUNNING at once and killed ones TASK_KILLED. It exercises the whole control plane (API,
/// store, scheduler, deployments, events) at cluster scale on one machine, for benchmarks and
/// `wharf dev --simulated-agents N`.
public final class SimulatedAgentLink: AgentLink {
    public let reports: AsyncStream<AgentReport>
    private let continuation: AsyncStream<AgentReport>.Continuation
    private let tasks = LockedValue<[String: (agentId: String, status: TaskStatus)]>([:])

    /// Creates `count` agents `sim-0 … sim-<count-1>`, each offering `capacity` and `portRange`.
    public init(count: Int, capacity: Resources, portRange: PortRange, host: String = "127.0.0.1") {
        (reports, continuation) = AsyncStream<AgentReport>.makeStream()
        for i in 0..<count {
            let info = AgentInfo(id: "sim-\(i)", host: host, capacity: capacity, portRanges: [portRange],
                                 attributes: ["simulated": "true"], runtimes: ["process", "docker"],
                                 isolation: "none: simulated agent")
            continuation.yield(.registered(info))
            continuation.yield(.fullState(agentId: info.id, []))
        }
    }

    public func send(_ command: AgentCommand, to agentId: String) {
        let now = Timestamp.now()
        switch command {
        case let .launch(task):
            // Simulated tasks pass every check at once.
            let status = SimulatedAgent.running(task, at: now)
            let isNew = tasks.withLock { tasks in
                guard tasks[task.instance.id] == nil else { return false }
                tasks[task.instance.id] = (agentId, status)
                return true
            }
            if isNew { continuation.yield(.status(agentId: agentId, status)) }
        case let .kill(kill):
            let (instanceId, reason) = (kill.instanceId, kill.reason)
            let known = tasks.withLock { $0.removeValue(forKey: instanceId) }
            let incarnation = known?.status.incarnation ?? 1
            continuation.yield(.status(agentId: agentId, TaskStatus(
                instanceId: instanceId, incarnation: incarnation, state: .killed, message: reason, timestamp: now)))
        case .reconcile:
            let all = tasks.withLock { tasks in tasks.values.filter { $0.agentId == agentId }.map(\.status) }
            continuation.yield(.fullState(agentId: agentId, all))
        }
    }
}

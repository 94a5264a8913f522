import Foundation
import WharfModel

/// An agent that runs nothing, for `wharf agent --simulate N`: a launched task reports TASK_RUNNING
/// at once (passing every check), a killed one TASK_KILLED. Each stands behind its own connection to
/// the server (``AgentUplink``), so that many of them in one process load the server — its agent
/// port, heartbeats, scheduler and catalog feed — as that many real nodes would.
final class SimulatedAgent: AgentEndpoint {
    let id: String
    let reports: AsyncStream<AgentReport>
    private let info: AgentInfo
    private let continuation: AsyncStream<AgentReport>.Continuation
    private let tasks = LockedValue<[String: TaskStatus]>([:])

    init(info: AgentInfo) {
        self.id = info.id
        self.info = info
        (reports, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    func start() async {}

    var currentInfo: AgentInfo {
        get async { info }
    }

    /// A simulated task's status once launched: running, every health and readiness check passed.
    static func running(_ task: LaunchTask, at now: Timestamp) -> TaskStatus {
        let app = task.app
        let health = app.healthChecks.isEmpty && app.readinessChecks.isEmpty ? nil : TaskHealth(
            results: app.healthChecks.map { _ in HealthCheckResult(alive: true, firstSuccess: now, lastSuccess: now) },
            readiness: app.readinessChecks.map { ReadinessCheckResult(name: $0.name, ready: true) })
        return TaskStatus(instanceId: task.instance.id, incarnation: task.instance.incarnation, state: .running,
                          message: "simulated", timestamp: now, health: health)
    }

    func submit(_ command: AgentCommand) {
        let now = Timestamp.now()
        switch command {
        case let .launch(task):
            let status = Self.running(task, at: now)
            let isNew = tasks.withLock { tasks in
                guard tasks[task.instance.id] == nil else { return false }
                tasks[task.instance.id] = status
                return true
            }
            if isNew { continuation.yield(.status(agentId: id, status)) }
        case let .kill(kill):
            let known = tasks.withLock { $0.removeValue(forKey: kill.instanceId) }
            continuation.yield(.status(agentId: id, TaskStatus(
                instanceId: kill.instanceId, incarnation: known?.incarnation ?? 0, state: known == nil ? .gone : .killed,
                message: known == nil ? "unknown to agent" : kill.reason, timestamp: now)))
        case .reconcile:
            continuation.yield(.fullState(agentId: id, tasks.withLock { Array($0.values) }))
        }
    }
}

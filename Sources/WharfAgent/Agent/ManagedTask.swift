import Logging
import WharfModel

/// The agent's view of one task: where it is in its life, its last reported status and what is
/// needed to stop it.
struct ManagedTask: Sendable {
    enum Phase: Sendable {
        /// The runtime is starting it; exits and kills that arrive meanwhile are held.
        case starting
        /// Started (or adopted) and supervised.
        case running
        /// Its process ended; the agent is finding out whether a port conflict made it end before
        /// it reports how (a kill that arrives meanwhile still makes it TASK_KILLED).
        case ending
        /// A terminal status was reported.
        case ended
    }

    var instanceId: String
    var incarnation: Int
    var taskId: String
    var appId: PathId
    var appVersion: Timestamp
    var runtimeName: String
    var phase: Phase
    /// The last status reported for the task.
    var status: TaskStatus
    var handle: TaskHandle?
    var killGracePeriodSeconds: Double
    var startedAt: Timestamp?
    /// A kill that was asked for; the exit is then reported as TASK_KILLED.
    var kill: TaskRecord.Kill?
    /// An outcome decided by the agent (for instance when the record could not be persisted) that
    /// overrides how the exit would otherwise be reported.
    var forcedOutcome: (state: TaskState, message: String)?
    /// An exit that arrived while the task was still starting.
    var pendingExit: TaskExit?
    var endedAt: Timestamp?
    /// The task's health and readiness checks; nil when its app has none.
    var checks: TaskChecks? = nil
    /// What the checks found so far, carried by every status of the task; nil without checks.
    var health: TaskHealth? = nil
    /// Runs the checks while the task is RUNNING.
    var monitor: HealthMonitor? = nil
    /// Waits out the drain of a kill before the task is signalled.
    var drain: Task<Void, Never>? = nil
    /// The spawn of a task taken on through ``Agent/submit(_:)``, cancelled by a kill that arrives
    /// before the runtime has started it (a hanging image pull).
    var spawning: Task<Void, Never>? = nil
    /// The host ports given to the task (for tasks adopted after a restart, as their record has them;
    /// empty for records written before ports were recorded).
    var ports: [TaskPort] = []
    /// Whether the task binds its host ports itself, so that an early exit may be a port conflict
    /// (false for containers whose ports Docker publishes: Docker refuses those at start).
    var bindsOwnPorts = false

    /// The persistent form of a started task.
    var record: TaskRecord? {
        guard let handle, let startedAt else { return nil }
        return TaskRecord(
            instanceId: instanceId, incarnation: incarnation, taskId: taskId, appId: appId, appVersion: appVersion,
            handle: handle, killGracePeriodSeconds: killGracePeriodSeconds, startedAt: startedAt, kill: kill,
            checks: checks, ports: ports.isEmpty ? nil : ports, bindsOwnPorts: ports.isEmpty ? nil : bindsOwnPorts)
    }

    /// Log metadata naming the task.
    var logMetadata: Logger.Metadata {
        ["instance": "\(instanceId)", "app": "\(appId)", "task": "\(taskId)"]
    }
}

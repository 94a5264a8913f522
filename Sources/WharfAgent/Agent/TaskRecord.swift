import WharfModel

/// What the agent persists about a running task so that a restarted agent can find and adopt it.
/// Written before the task is reported RUNNING and removed after its terminal status was reported.
/// Stored with its schema version (`RecordSchema`); records without one are version 1.
struct TaskRecord: VersionedRecord, Hashable, Sendable {
    /// A kill in progress, so that a restarted agent finishes it.
    struct Kill: Codable, Hashable, Sendable {
        var reason: String
        var gracePeriodSeconds: Double
        /// Seconds between TASK_KILLING and SIGTERM; a restarted agent skips what is left of it.
        var drainSeconds: Double? = nil
    }

    var instanceId: String
    var incarnation: Int
    var taskId: String
    var appId: PathId
    var appVersion: Timestamp
    /// Runtime handle: pid, process start time, process group, sandbox, cgroups.
    var handle: TaskHandle
    var killGracePeriodSeconds: Double
    var startedAt: Timestamp
    var kill: Kill?
    /// The task's health and readiness checks, so that a restarted agent resumes them; nil when the
    /// app has none (and in records of agents before checks existed).
    var checks: TaskChecks? = nil
    /// The task's host ports and whether it binds them itself, so that a restarted agent neither
    /// counts them as held by others nor loses the port-conflict check; nil in records of agents
    /// before ports were recorded.
    var ports: [TaskPort]? = nil
    var bindsOwnPorts: Bool? = nil
}

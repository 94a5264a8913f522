import WharfModel

/// What the agent persists about a running task so that a restarted agent can find and adopt it.
/// Written before the task is reported RUNNING and removed after its terminal status was reported.
struct TaskRecord: Codable, Hashable, Sendable {
    /// A kill in progress, so that a restarted agent finishes it.
    struct Kill: Codable, Hashable, Sendable {
        var reason: String
        var gracePeriodSeconds: Double
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
}

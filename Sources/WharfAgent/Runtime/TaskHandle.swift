/// What a runtime needs to find a running task again, also after an agent restart. Persisted as
/// part of the agent's task record, so every field is plain data.
public struct TaskHandle: Codable, Hashable, Sendable {
    /// Name of the runtime that started the task (``Runtime/name``).
    public var runtime: String
    public var taskId: String
    /// Process id of the task's main process, when the runtime runs processes.
    public var pid: Int32?
    /// Start time of `pid` in clock ticks since boot (`/proc/<pid>/stat` field 22); tells a re-used
    /// pid from the task's own process.
    public var processStartTime: UInt64?
    /// Process group (and session) of the task; signals go to the whole group.
    public var processGroup: Int32?
    /// Absolute sandbox directory.
    public var sandbox: String
    /// Absolute cgroup directories the task was placed in (one per v1 hierarchy, one for v2).
    public var cgroups: [String]
    /// Container id, for runtimes that run containers.
    public var containerId: String?

    public init(
        runtime: String, taskId: String, pid: Int32? = nil, processStartTime: UInt64? = nil,
        processGroup: Int32? = nil, sandbox: String, cgroups: [String] = [], containerId: String? = nil
    ) {
        self.runtime = runtime
        self.taskId = taskId
        self.pid = pid
        self.processStartTime = processStartTime
        self.processGroup = processGroup
        self.sandbox = sandbox
        self.cgroups = cgroups
        self.containerId = containerId
    }
}

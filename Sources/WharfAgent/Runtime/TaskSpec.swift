import WharfModel

/// Everything a ``Runtime`` needs to start one task, already resolved by the agent: the command, the
/// complete environment, the sandbox directory and the resource limits.
public struct TaskSpec: Hashable, Sendable {
    /// What to execute.
    public enum Command: Hashable, Sendable {
        /// Marathon's `cmd`: run by `/bin/sh -c`.
        case shell(String)
        /// Marathon's `args`: `args[0]` is looked up in the task's `PATH` and executed with `args`.
        case exec([String])
    }

    /// Marathon's task id (`<instanceId>._app.<incarnation>`); unique per launch.
    public var taskId: String
    public var instanceId: String
    public var incarnation: Int
    public var appId: PathId
    public var command: Command
    /// The complete environment of the task (see ``TaskEnvironment``).
    public var environment: [String: String]
    /// Absolute path of the task's sandbox directory (its working directory and log location).
    public var sandbox: String
    /// Limits to enforce (cpus as shares and quota, mem in MiB).
    public var resources: Resources
    /// The container image when the app asks for one; runtimes without images refuse such specs.
    public var image: String?

    public init(
        taskId: String, instanceId: String, incarnation: Int, appId: PathId, command: Command,
        environment: [String: String], sandbox: String, resources: Resources, image: String? = nil
    ) {
        self.taskId = taskId
        self.instanceId = instanceId
        self.incarnation = incarnation
        self.appId = appId
        self.command = command
        self.environment = environment
        self.sandbox = sandbox
        self.resources = resources
        self.image = image
    }
}

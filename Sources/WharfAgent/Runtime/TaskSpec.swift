import WharfModel

/// Everything a ``Runtime`` needs to start one task, already resolved by the agent: the command, the
/// complete environment, the sandbox directory and the resource limits.
public struct TaskSpec: Hashable, Sendable {
    /// What to execute.
    public enum Command: Hashable, Sendable {
        /// Marathon's `cmd`: run by `/bin/sh -c`.
        case shell(String)
        /// Marathon's `args`: `args[0]` is looked up in the task's `PATH` and executed with `args`.
        /// For a container, `args` are the image's command (its entrypoint is kept); empty runs the
        /// image's own command.
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
    /// The app's `container` (image settings, volumes, port mappings); nil for plain processes.
    public var container: Container?
    /// The app's `networks` (host, container/bridge, container), already normalised by the model.
    public var networks: [Network]
    /// Host ports assigned to the instance, in `portDefinitions` order or, on container networks,
    /// in `container.portMappings` order (one per mapping).
    public var ports: [Int]
    /// The app's labels (given to containers as labels).
    public var labels: [String: String]
    /// Whether the app asks for a TTY (`tty`).
    public var tty: Bool

    public init(
        taskId: String, instanceId: String, incarnation: Int, appId: PathId, command: Command,
        environment: [String: String], sandbox: String, resources: Resources, image: String? = nil,
        container: Container? = nil, networks: [Network] = [Network(mode: .host)], ports: [Int] = [],
        labels: [String: String] = [:], tty: Bool = false
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
        self.container = container
        self.networks = networks
        self.ports = ports
        self.labels = labels
        self.tty = tty
    }
}

import Foundation
import WharfMetrics
import WharfModel

/// Settings of one node agent. Every parameter but the id and the data directory has a default
/// that suits `wharf dev`.
public struct AgentConfiguration: Sendable {
    /// Stable agent id (Marathon's `slaveId`); must stay the same across restarts for recovery.
    public var agentId: String
    /// Host name or address under which task ports are reachable (`HOST` in the task environment).
    public var host: String
    /// Absolute directory holding sandboxes (`sandboxes/`) and recovery state (`agent/tasks/`).
    /// A relative path is resolved against the working directory when the configuration is made.
    public var dataDir: String
    /// Capacity offered to the scheduler.
    public var capacity: Resources
    /// Host ports tasks may be given. Default: Mesos' `31000-32000`.
    public var portRanges: [PortRange]
    /// Service ports the edge router of this node listens on (Marathon's `--local_port_min/max`):
    /// the ones other processes hold are reported with `portsInUse` too, so that new apps are not
    /// given a service port this node's router cannot bind. Empty: not watched.
    public var servicePortRanges: [PortRange]
    /// Attributes for placement constraints (`rack: r1`).
    public var attributes: [String: String]
    /// Grace period between SIGTERM and SIGKILL when a kill command gives none (non-positive) and
    /// for tasks killed on the agent's own account. Default: 3 s, Mesos' command executor default.
    public var defaultKillGracePeriodSeconds: Double
    /// Whether to confine tasks in cgroups when the machine allows it. Default: true.
    public var useCgroups: Bool
    /// Directory below each cgroup hierarchy's root that holds task cgroups. Default: `wharf`.
    public var cgroupParent: String
    /// How long ended tasks stay in `fullState` reports after they ended. Default: 10 minutes.
    public var terminalRetentionSeconds: Double
    /// Whether `cpus` is also a hard CFS quota rather than only a relative weight. Default false,
    /// as Mesos (`--cgroups_enable_cfs`): tasks may use idle CPU beyond their share.
    public var hardCpuLimit: Bool
    /// How often the Docker engine is checked, to stop or resume offering the docker runtime.
    /// Default 2 s.
    public var runtimeCheckSeconds: Double = 2
    /// How often the agent looks for ports in its ranges that other processes hold (and reports
    /// changes as `portsInUse`). Default 5 s.
    public var portCheckSeconds: Double = 5
    /// A task that fails within this many seconds of its start while another process holds one of
    /// its host ports ended because of that port: it is reported with reason `portConflict`.
    /// Default 60 s.
    public var portConflictWindowSeconds: Double = 60
    /// Unix socket of the Docker Engine that runs `container.type: DOCKER` apps
    /// (`/var/run/docker.sock`); nil: no docker runtime. When nothing answers there at start-up the
    /// agent offers only the process runtime (and logs why).
    public var dockerSocket: String?
    /// How tasks' stdout and stderr files rotate, and where their lines are also sent.
    public var output = TaskOutputSettings()
    /// Where the agent's series go (tasks, exits, per-task usage); nil: none are kept. `wharf dev`
    /// gives its server's registry, `wharf agent` its own, served on `metricsPort`.
    public var metrics: MetricsRegistry? = nil
    /// Whether each task's CPU, memory and OOM kills are series of their own, labelled with app and
    /// task id (`--task-metrics`). Default true; off for nodes with many short-lived tasks.
    public var taskMetrics = true
    /// The port of this agent's `/metrics` listener, announced to the server for Prometheus'
    /// service discovery; nil when it has none.
    public var metricsPort: Int? = nil

    public init(
        agentId: String,
        host: String = "127.0.0.1",
        dataDir: String,
        capacity: Resources = Resources(cpus: Double(ProcessInfo.processInfo.activeProcessorCount),
                                        mem: Double(ProcessInfo.processInfo.physicalMemory / 1_048_576), disk: 10_240),
        portRanges: [PortRange] = [PortRange(begin: 31000, end: 32000)],
        attributes: [String: String] = [:],
        defaultKillGracePeriodSeconds: Double = 3,
        useCgroups: Bool = true,
        cgroupParent: String = "wharf",
        terminalRetentionSeconds: Double = 600,
        hardCpuLimit: Bool = false,
        dockerSocket: String? = nil,
        servicePortRanges: [PortRange] = [],
        metrics: MetricsRegistry? = nil,
        taskMetrics: Bool = true
    ) {
        self.metrics = metrics
        self.taskMetrics = taskMetrics
        self.servicePortRanges = servicePortRanges
        self.agentId = agentId
        self.host = host
        self.dataDir = dataDir.hasPrefix("/")
            ? dataDir
            : FileManager.default.currentDirectoryPath + "/" + dataDir
        self.capacity = capacity
        self.portRanges = portRanges
        self.attributes = attributes
        self.defaultKillGracePeriodSeconds = defaultKillGracePeriodSeconds
        self.useCgroups = useCgroups
        self.cgroupParent = cgroupParent
        self.terminalRetentionSeconds = terminalRetentionSeconds
        self.hardCpuLimit = hardCpuLimit
        self.dockerSocket = dockerSocket
    }

    /// `<dataDir>/sandboxes/<app safe name>/<taskId>`: a task's working directory and log files.
    public func sandbox(appId: PathId, taskId: String) -> String {
        "\(dataDir)/sandboxes/\(appId.safeName)/\(taskId)"
    }

    /// `<dataDir>/agent/tasks`: one record per live task, for recovery after a restart.
    public var taskRecordDirectory: String { "\(dataDir)/agent/tasks" }

    /// `<dataDir>/agent/tasks-quarantine`: task records the agent cannot read, kept rather than
    /// deleted; their tasks are left alone (see `TaskRecordStore`).
    public var taskQuarantineDirectory: String { "\(dataDir)/agent/tasks-quarantine" }
}

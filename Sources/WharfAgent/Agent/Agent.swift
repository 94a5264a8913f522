import Foundation
import Logging
import WharfModel

/// The node agent: runs the tasks the control plane places on this node, reports every change of
/// their state, and keeps them running across its own restarts.
///
/// Commands (``handle(_:)``) are idempotent by instance id. Reports (``reports``) are buffered
/// without bound, so no status update is ever dropped. Before a task is reported RUNNING its record
/// is persisted under `<dataDir>/agent/tasks/`; a new `Agent` on the same data directory re-adopts
/// the tasks that are still alive (``start()``), reports those that ended meanwhile, and continues.
/// Stopping the agent never stops tasks (see ``run()``).
public actor Agent {
    /// The agent's id, as in its reports.
    public nonisolated let id: String
    /// Everything the agent reports, in order: `registered` and `fullState` after ``start()``, one
    /// `status` per task state change and per material change of a task's health (same state, new
    /// `health`), `fullState` per `reconcile`. Ends after ``shutdown()``.
    public nonisolated let reports: AsyncStream<AgentReport>

    let configuration: AgentConfiguration
    let logger: Logger
    /// The runtimes by name.
    let runtimes: [String: any Runtime]
    /// Runtime names in the order given at initialisation (advertised in `AgentInfo.runtimes`,
    /// except the unavailable ones).
    let runtimeOrder: [String]
    /// Runtimes that cannot run tasks now (no Docker engine answers), with the reason; not offered.
    var unavailableRuntimes: [String: String] = [:]
    /// Recorded tasks of runtimes that did not answer at start-up, adopted once they do.
    var awaitingAdoption: [String: TaskRecord] = [:]
    /// Polls runtimes whose availability can change (the Docker engine) and re-announces the agent
    /// when it does.
    var availabilityWatch: Task<Void, Never>?
    let store: TaskRecordStore
    /// The tasks' output: rotated files, syslog, reads for the log API.
    public nonisolated let logs: TaskLogs
    /// This agent's series in `configuration.metrics`; nil without a registry.
    let metrics: AgentMetrics?
    /// The HTTP client of every HTTP(S) health and readiness check; closed by ``shutdown()``.
    let httpProbe = HTTPProbe()
    let reportContinuation: AsyncStream<AgentReport>.Continuation
    var tasks: [String: ManagedTask] = [:]
    /// Tasks whose records cannot be read, by instance id: left running, unsupervised, never killed.
    var unreadableTasks: [String: UnreadableTaskRecord] = [:]
    /// Whether every task record could be listed at start-up; when not, nothing unrecorded is swept.
    var recordsComplete = true
    var startup: Task<Void, Never>?
    var isShutDown = false
    /// Commands taken by ``submit(_:)``, applied in order by one consumer.
    let inbox: AsyncStream<AgentCommand>.Continuation
    /// Ports in the agent's ranges that other processes hold, as last reported (`portsInUse`).
    var portsInUse: [Int] = []
    /// Ports a bind probe found taken when a task was about to start; kept in ``portsInUse`` while
    /// a probe still finds them taken, even where no socket listing shows their holder.
    var portsFoundTaken: Set<Int> = []
    /// Looks for changes of ``portsInUse`` every `portCheckSeconds`.
    var portWatch: Task<Void, Never>?
    /// Removes ended tasks' sandboxes that are due (``SandboxCollector``).
    var sandboxCollection: Task<Void, Never>?
    /// Sweeps of the apps whose tasks ended: whether one runs, and the apps to sweep next.
    var sandboxSweep: (running: Bool, apps: Set<String>) = (false, [])
    /// Sequence numbers of host port checks started and applied, so that a slow check never
    /// replaces the result of a later one.
    var portChecks: (started: UInt64, applied: UInt64) = (0, 0)

    /// An agent running tasks as processes, confined by cgroups when available (detected here and
    /// logged by ``start()``), and, when `configuration.dockerSocket` is set and a Docker Engine
    /// answers there at ``start()``, Docker apps as containers.
    public init(configuration: AgentConfiguration, logger: Logger) {
        let cgroups: CgroupSupport = configuration.useCgroups
            ? CgroupSupport.detect(parent: configuration.cgroupParent)
            : .unavailable(reason: "disabled by configuration")
        let logs = Self.makeLogs(configuration, logger: logger)
        var runtimes: [any Runtime] = [
            ProcessRuntime(cgroups: cgroups, cgroupParent: configuration.cgroupParent,
                           hardCpuLimit: configuration.hardCpuLimit, logs: logs, logger: logger),
        ]
        if let socket = configuration.dockerSocket {
            runtimes.append(DockerRuntime(
                socketPath: socket, agentDataDir: configuration.dataDir, hardCpuLimit: configuration.hardCpuLimit,
                logs: logs, logger: logger))
        }
        self.init(configuration: configuration, runtimes: runtimes, logs: logs, logger: logger)
    }

    /// The task output handling `configuration` asks for.
    public static func makeLogs(_ configuration: AgentConfiguration, logger: Logger) -> TaskLogs {
        let shipper = configuration.output.syslog.map {
            SyslogShipper(target: $0, hostname: configuration.host, logger: logger)
        }
        return TaskLogs(rotation: configuration.output.rotation, shipper: shipper, logger: logger)
    }

    /// An agent with the given runtimes (each under its ``Runtime/name``), whose output goes to `logs`
    /// (by default a ``TaskLogs`` of its own). The first one's isolation is advertised.
    public init(configuration: AgentConfiguration, runtimes: [any Runtime], logs: TaskLogs? = nil, logger: Logger) {
        self.id = configuration.agentId
        self.logs = logs ?? Self.makeLogs(configuration, logger: logger)
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "agent"] = "\(configuration.agentId)"
        self.logger = logger
        self.runtimes = Dictionary(runtimes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.runtimeOrder = runtimes.map(\.name)
        self.store = TaskRecordStore(directory: configuration.taskRecordDirectory,
                                     quarantineDirectory: configuration.taskQuarantineDirectory)
        metrics = configuration.metrics.map {
            AgentMetrics(registry: $0, perTask: configuration.taskMetrics, runtimes: runtimes.map(\.name),
                         hostMemoryBytes: ProcessInfo.processInfo.physicalMemory)
        }
        (reports, reportContinuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        let (commands, inbox) = AsyncStream<AgentCommand>.makeStream(bufferingPolicy: .unbounded)
        self.inbox = inbox
        Task { [weak self] in
            for await command in commands {
                guard let self else { return }
                await self.apply(command, waitingForEffect: false)
            }
        }
        let problems = self.logs.problems
        let agentId = configuration.agentId
        Task { [weak self] in
            for await problem in problems {
                guard let self else { return }
                self.reportContinuation.yield(.outputProblem(agentId: agentId, problem))
            }
        }
        for runtime in runtimes {
            let exits = runtime.exits
            Task { [weak self] in
                for await exit in exits {
                    guard let self else { return }
                    await self.taskEnded(exit)
                }
            }
            if let docker = runtime as? DockerRuntime {
                let progress = docker.pullProgress
                Task { [weak self] in
                    for await (taskId, message) in progress {
                        guard let self else { return }
                        await self.pullProgressed(taskId: taskId, message: message)
                    }
                }
            }
        }
        if let metrics { followedByMetrics(metrics) }
    }

    /// What this agent offers: identity, capacity, port ranges, runtimes and isolation.
    public var info: AgentInfo {
        AgentInfo(
            id: configuration.agentId, host: configuration.host, capacity: configuration.capacity,
            portRanges: configuration.portRanges, attributes: configuration.attributes,
            runtimes: runtimeOrder.filter { unavailableRuntimes[$0] == nil },
            isolation: runtimeOrder.first.flatMap { runtimes[$0]?.isolation } ?? "none", portsInUse: portsInUse,
            metricsPort: configuration.metricsPort)
    }

    /// Recovers the tasks of an earlier agent on the same data directory, then reports
    /// `registered` and `fullState`. Runs once; later calls (and commands that arrive first) wait
    /// for that one run.
    public func start() async {
        if startup == nil {
            startup = Task { await self.recover() }
        }
        await startup?.value
    }

    /// Executes a command from the control plane and returns once it has taken effect (a launch has
    /// been spawned, a kill has been signalled). Idempotent by instance id: launching an instance
    /// (same incarnation) the agent already holds does nothing; killing an instance the agent does
    /// not hold reports it TASK_GONE ("unknown to agent"), once per kill.
    public func handle(_ command: AgentCommand) async {
        await apply(command, waitingForEffect: true)
    }

    /// Takes `command` for execution and returns at once: commands are taken in the order submitted,
    /// but none waits for another's effect (a launch pulling an image holds up neither other
    /// launches nor kills). A kill of a task still starting stops it before or right after its
    /// spawn. Effects arrive as ``reports``. This is how links deliver commands.
    public nonisolated func submit(_ command: AgentCommand) {
        inbox.yield(command)
    }

    /// Applies one command: what must happen in order (a launch is held as starting, a full state is
    /// reported) before any suspension, the rest (spawning, stopping) in its own task, awaited only
    /// when `waitingForEffect`.
    private func apply(_ command: AgentCommand, waitingForEffect: Bool) async {
        await start()
        guard !isShutDown else {
            logger.warning("agent is shut down, ignoring command", metadata: ["command": "\(command)"])
            return
        }
        switch command {
        case .launch(let launch):
            guard let accepted = accept(launch) else { return }
            let spawn = Task { await self.spawn(accepted) }
            tasks[accepted.instanceId]?.spawning = spawn
            if waitingForEffect { await spawn.value }
        case .kill(let kill):
            let stop = Task { await self.kill(kill) }
            if waitingForEffect { await stop.value }
        case .reconcile:
            reportFullState()
        }
    }

    /// The status of every task the agent holds, live or ended within the retention period, and
    /// TASK_UNREACHABLE for each task whose record it cannot read.
    public func taskStatuses() -> [TaskStatus] {
        pruneEndedTasks()
        let held = tasks.values.map(\.status) + unreadableTasks.values.filter { tasks[$0.instanceId] == nil }.map(\.status)
        return held.sorted { $0.instanceId < $1.instanceId }
    }

    // MARK: - Reporting

    func report(_ status: TaskStatus) {
        reportContinuation.yield(.status(agentId: configuration.agentId, status))
    }

    func reportFullState() {
        reportContinuation.yield(.fullState(agentId: configuration.agentId, taskStatuses()))
    }

    /// Records `state` as the task's status (with the task's health, when it has checks) and reports it.
    func setStatus(_ instanceId: String, _ state: TaskState, message: String?, exit: TaskExit? = nil,
                   reason: TaskStatus.Reason? = nil) {
        guard var task = tasks[instanceId] else { return }
        task.status = TaskStatus(
            instanceId: instanceId, incarnation: task.incarnation, state: state, message: message,
            exitCode: exit?.exitCode, signal: exit?.signal, timestamp: .now(), health: task.health, reason: reason)
        if state.isTerminal {
            task.phase = .ended
            task.endedAt = task.status.timestamp
            sandboxesOfAppEnded(task.appId)
        }
        tasks[instanceId] = task
        var metadata = task.logMetadata
        metadata["message"] = "\(message ?? "")"
        logger.info("task \(state.rawValue)", metadata: metadata)
        report(task.status)
    }

    func pruneEndedTasks() {
        let cutoff = Timestamp.now().adding(seconds: -configuration.terminalRetentionSeconds)
        tasks = tasks.filter { _, task in task.endedAt.map { $0 >= cutoff } ?? true }
    }
}

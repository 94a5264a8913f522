/// Everything the control plane needs to start one task on an agent.
///
/// Carries the whole app definition so that the agent can build the task environment, the command
/// and (for later runtimes) the container configuration without asking back.
public struct LaunchTask: Codable, Hashable, Sendable {
    /// The instance record as placed by the scheduler (id, incarnation, ports, resources).
    public var instance: Instance
    /// The app definition of `instance.appVersion`.
    public var app: AppDefinition
    /// Seconds between SIGTERM and SIGKILL when the task is later killed.
    public var killGracePeriodSeconds: Double

    public init(instance: Instance, app: AppDefinition, killGracePeriodSeconds: Double) {
        self.instance = instance
        self.app = app
        self.killGracePeriodSeconds = killGracePeriodSeconds
    }
}

/// How to stop a task: TASK_KILLING at once, SIGTERM after `drainSeconds` (time for routers to stop
/// sending it traffic), SIGKILL `gracePeriodSeconds` after the SIGTERM.
public struct KillTask: Codable, Hashable, Sendable {
    public var instanceId: String
    /// Seconds between SIGTERM and SIGKILL; non-positive: the agent's default.
    public var gracePeriodSeconds: Double
    /// Seconds between TASK_KILLING and SIGTERM.
    public var drainSeconds: Double
    /// Why (shown in the task's status message).
    public var reason: String

    public init(instanceId: String, gracePeriodSeconds: Double, drainSeconds: Double = 0, reason: String) {
        self.instanceId = instanceId
        self.gracePeriodSeconds = gracePeriodSeconds
        self.drainSeconds = drainSeconds
        self.reason = reason
    }
}

/// A command from the control plane to an agent. Every command is idempotent, keyed by instance id:
/// launching an instance the agent already runs, or killing one it does not know, changes nothing.
public enum AgentCommand: Codable, Hashable, Sendable {
    /// Start the task (no-op when this instance id and incarnation already run).
    case launch(LaunchTask)
    /// Stop the task: TASK_KILLING, drain, SIGTERM, then SIGKILL after the grace period. Unknown ids
    /// are ignored (the agent still reports them as gone so that the control plane can settle).
    case kill(KillTask)
    /// Report the state of every task the agent holds (answered with `AgentReport.fullState`).
    case reconcile
}

/// One task's status as the agent observed it.
public struct TaskStatus: Codable, Hashable, Sendable {
    public var instanceId: String
    public var incarnation: Int
    public var state: TaskState
    /// Human-readable reason, e.g. `exited with code 1`, `killed by signal 9`, `spawn failed: No such file`.
    public var message: String?
    public var exitCode: Int32?
    public var signal: Int32?
    /// When the agent observed the change.
    public var timestamp: Timestamp
    /// What the agent's health and readiness checks found; nil when the app has none or none has
    /// completed yet.
    public var health: TaskHealth?
    /// Why the state was reached, when that is not the app's doing; nil otherwise (and for reasons
    /// of a newer agent that this Wharf does not know).
    public var reason: Reason?

    /// A cause of a state that the control plane treats differently from an app failure.
    public enum Reason: String, Codable, Hashable, Sendable {
        /// A host port given to the task is held by another process (found before the spawn, or
        /// right after an early exit): the instance is placed again on other ports, and neither
        /// launch backoff nor deployment failure counts grow.
        case portConflict = "REASON_PORT_CONFLICT"
        /// The agent cannot read its record of the task (damaged, or written by a newer Wharf) and
        /// leaves it running unsupervised (TASK_UNREACHABLE): the control plane quarantines the app,
        /// so that nothing kills, replaces or scales it until the record reads again.
        case unreadableRecord = "REASON_UNREADABLE_RECORD"
    }

    private enum CodingKeys: String, CodingKey {
        case instanceId, incarnation, state, message, exitCode, signal, timestamp, health, reason
    }

    /// Decodes a status; a `reason` this Wharf does not know (from a newer agent) reads as none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        instanceId = try c.decode(String.self, forKey: .instanceId)
        incarnation = try c.decode(Int.self, forKey: .incarnation)
        state = try c.decode(TaskState.self, forKey: .state)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        exitCode = try c.decodeIfPresent(Int32.self, forKey: .exitCode)
        signal = try c.decodeIfPresent(Int32.self, forKey: .signal)
        timestamp = try c.decode(Timestamp.self, forKey: .timestamp)
        health = try c.decodeIfPresent(TaskHealth.self, forKey: .health)
        reason = try c.decodeIfPresent(String.self, forKey: .reason).flatMap(Reason.init(rawValue:))
    }

    /// Health as seen by the agent's checks; nil while unknown or when the app has none.
    public var healthy: Bool? { health?.healthy }

    public init(
        instanceId: String, incarnation: Int, state: TaskState, message: String? = nil, exitCode: Int32? = nil,
        signal: Int32? = nil, timestamp: Timestamp, health: TaskHealth? = nil, reason: Reason? = nil
    ) {
        self.instanceId = instanceId
        self.incarnation = incarnation
        self.state = state
        self.message = message
        self.exitCode = exitCode
        self.signal = signal
        self.timestamp = timestamp
        self.health = health
        self.reason = reason
    }
}

/// A message from an agent to the control plane.
public enum AgentReport: Codable, Hashable, Sendable {
    /// The agent is up (first start or restart) and offers this capacity.
    case registered(AgentInfo)
    /// A task changed state.
    case status(agentId: String, TaskStatus)
    /// Every task the agent holds, live or recently ended: sent after `registered` and on `reconcile`.
    /// Tasks the control plane does not know must be killed by it; known non-terminal instances
    /// missing here are gone.
    case fullState(agentId: String, [TaskStatus])
    /// The ports inside the agent's (task and service) ranges that other processes hold on its host changed (the
    /// complete, sorted list; see `AgentInfo.portsInUse`). Sent before any status that it explains.
    case portsInUse(agentId: String, [Int])
    /// Not sent by an agent but by the link that carries its reports: nothing has been heard from
    /// the agent for the link's timeout (`wharf server --agent-timeout`). Its instances are
    /// unreachable until it registers again; `reason` says what the link last saw.
    case unreachable(agentId: String, reason: String)
    /// Writing a task's output failed (a full disk: output is dropped, the task runs on), or works
    /// again after such a failure. Each is said once.
    case outputProblem(agentId: String, TaskOutputProblem)
}

/// A change in whether an agent can keep a task's output.
public struct TaskOutputProblem: Codable, Hashable, Sendable {
    public var taskId: String
    public var stream: TaskLogStream
    /// Why output is dropped; nil when writing works again.
    public var message: String?

    public init(taskId: String, stream: TaskLogStream, message: String?) {
        self.taskId = taskId
        self.stream = stream
        self.message = message
    }
}

extension AgentReport {
    /// The agent that sent the report.
    public var agentId: String {
        switch self {
        case let .registered(info): info.id
        case let .status(agentId, _), let .fullState(agentId, _), let .portsInUse(agentId, _), let .unreachable(agentId, _),
             let .outputProblem(agentId, _): agentId
        }
    }
}

/// The boundary between the control plane and its agents, as messages.
///
/// `wharf dev` uses an in-process link; a cluster uses one over the network. The control plane never
/// calls into agent objects directly.
public protocol AgentLink: Sendable {
    /// Queues `command` for the agent `agentId` and returns at once, without suspending: the control
    /// plane never waits on an agent (a launch may pull an image for minutes, an agent may be
    /// unreachable). Commands to one agent are delivered in the order sent; their effects arrive as
    /// reports.
    func send(_ command: AgentCommand, to agentId: String)
    /// Reports from all agents, in the order each agent sent them.
    var reports: AsyncStream<AgentReport> { get }
    /// What the link knows of each connected agent beyond its reports (links without a network:
    /// nothing).
    func connections() -> [String: AgentConnection]
    /// Reads a task's output on the agent `agentId` (see ``TaskLogRequest``); returns when the agent
    /// answers, the request's wait is over, or the agent cannot be asked.
    func readTaskLog(_ request: TaskLogRequest, on agentId: String) async -> TaskLogReply
}

extension AgentLink {
    public func connections() -> [String: AgentConnection] { [:] }

    public func readTaskLog(_ request: TaskLogRequest, on agentId: String) async -> TaskLogReply {
        .failed("agent \(agentId) keeps no task output (simulated agents run nothing)")
    }
}

/// An agent's connection as the link sees it.
public struct AgentConnection: Hashable, Sendable {
    /// The peer's `host:port`.
    public var address: String
    /// When anything (a heartbeat included) last arrived from it.
    public var lastHeard: Timestamp
    /// How far the agent's clock was ahead of the server's (negative: behind) when it connected,
    /// give or take the network's one-way delay; nil when it did not say.
    public var clockOffsetSeconds: Double?

    public init(address: String, lastHeard: Timestamp, clockOffsetSeconds: Double?) {
        self.address = address
        self.lastHeard = lastHeard
        self.clockOffsetSeconds = clockOffsetSeconds
    }
}

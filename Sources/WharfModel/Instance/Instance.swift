/// The control plane's record of one instance of an app: where it was placed, which version it runs,
/// and its last known state. Stored durably; the agent holds what actually runs.
public struct Instance: Codable, Hashable, Sendable, Identifiable {
    /// What the control plane wants for an instance.
    public enum Goal: String, Codable, Sendable {
        /// Keep it running.
        case running
        /// Kill it and forget it once terminal.
        case decommissioned
    }

    /// Instance id, `<app_safe_name>.instance-<uuid>`.
    public var id: String
    /// Increments each time the instance's task is (re)launched; part of the task id.
    public var incarnation: Int
    public var appId: PathId
    /// The app's `version` when this instance was launched (what Marathon shows as the task's `version`).
    public var appVersion: Timestamp
    /// The app's `versionInfo.lastConfigChangeAt` when launched; differs from the app's current one
    /// when the instance runs an outdated configuration and must be replaced by a rolling restart.
    public var configVersion: Timestamp
    public var agentId: String
    public var host: String
    /// Host ports assigned to the task, in portDefinitions / portMappings order.
    public var ports: [Int]
    /// Resources reserved on the agent.
    public var resources: Resources
    public var state: TaskState
    public var goal: Goal
    public var stagedAt: Timestamp
    /// When the task reached TASK_RUNNING; nil before.
    public var startedAt: Timestamp?
    /// When `state` last changed.
    public var stateSince: Timestamp
    /// Last message of the runtime (exit code, signal, spawn error, kill reason).
    public var message: String?
    /// Health as last reported; nil when the app has no health checks or none has completed.
    public var healthy: Bool?
    /// The agent's last health and readiness results; nil when the app has no checks or none has
    /// reported yet.
    public var health: TaskHealth?

    public init(
        id: String, incarnation: Int = 1, appId: PathId, appVersion: Timestamp, configVersion: Timestamp,
        agentId: String, host: String, ports: [Int], resources: Resources, state: TaskState = .staging,
        goal: Goal = .running, stagedAt: Timestamp, startedAt: Timestamp? = nil, stateSince: Timestamp? = nil,
        message: String? = nil, healthy: Bool? = nil, health: TaskHealth? = nil
    ) {
        self.id = id
        self.incarnation = incarnation
        self.appId = appId
        self.appVersion = appVersion
        self.configVersion = configVersion
        self.agentId = agentId
        self.host = host
        self.ports = ports
        self.resources = resources
        self.state = state
        self.goal = goal
        self.stagedAt = stagedAt
        self.startedAt = startedAt
        self.stateSince = stateSince ?? stagedAt
        self.message = message
        self.healthy = healthy
        self.health = health
    }

    /// Marathon's task id: the instance id plus `._app.<incarnation>`.
    public var taskId: String { "\(id)._app.\(incarnation)" }

    /// Whether the instance still holds resources on its agent (not terminal).
    public var isActive: Bool { !state.isTerminal }

    /// Running, not being killed, and not known to be unhealthy. Apps without health checks count
    /// running as healthy; so does an instance whose checks have not completed yet (after a restart,
    /// for instance) — what must be *known* healthy is decided by `Scheduler.isServing`.
    public var isRunningAndHealthy: Bool { state == .running && goal == .running && healthy != false }

    /// Whether every readiness check of the instance has passed (true when its app has none).
    public var isReady: Bool { health?.ready ?? true }

    /// Builds an instance id for `appId` from a unique suffix (a UUID string).
    public static func makeId(appId: PathId, unique: String) -> String {
        "\(appId.safeName).instance-\(unique)"
    }

    /// Recovers the app id from an instance or task id (`shop_web.instance-…` → `/shop/web`).
    public static func appId(fromInstanceOrTaskId id: String) -> PathId? {
        guard let range = id.range(of: ".instance-") ?? id.range(of: ".marathon-") else { return nil }
        let prefix = id[id.startIndex..<range.lowerBound]
        guard !prefix.isEmpty else { return nil }
        return PathId(segments: prefix.split(separator: "_").map(String.init))
    }

    /// The instance id part of a task id (`x.instance-u._app.3` → `x.instance-u`).
    public static func instanceId(fromTaskId id: String) -> String {
        if let range = id.range(of: "._app") { return String(id[id.startIndex..<range.lowerBound]) }
        return id
    }
}

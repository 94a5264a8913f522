/// A Marathon app definition: what to run, with which resources, how many, and how to roll it out.
///
/// Field names, types and defaults are Marathon's (`types/app.raml`). Decoding applies Marathon's
/// defaults and legacy-field conversions (see `AppDefinition+Codable.swift`); validation is in
/// `AppDefinition+Validation.swift`; what GET returns is produced by the encoder.
public struct AppDefinition: Hashable, Sendable {
    public var id: PathId
    public var cmd: String?
    public var args: [String]?
    public var user: String?
    public var env: [String: EnvValue]
    public var instances: Int
    public var cpus: Double
    public var mem: Double
    public var disk: Double
    public var gpus: Int
    public var executor: String
    public var constraints: [Constraint]
    public var fetch: [FetchUri]
    /// Ports for host networking; empty when the app uses container networking (then see
    /// `container.portMappings`).
    public var portDefinitions: [PortDefinition]
    public var requirePorts: Bool
    public var backoffSeconds: Int
    public var backoffFactor: Double
    public var maxLaunchDelaySeconds: Int
    public var container: Container?
    public var healthChecks: [HealthCheck]
    public var readinessChecks: [ReadinessCheck]
    public var dependencies: [PathId]
    public var upgradeStrategy: UpgradeStrategy
    public var labels: [String: String]
    public var acceptedResourceRoles: [String]?
    public var killSelection: KillSelection
    public var unreachableStrategy: UnreachableStrategy
    public var taskKillGracePeriodSeconds: Int?
    public var networks: [Network]
    public var role: String
    public var secrets: [String: SecretDefinition]
    /// Whether the task gets a (pseudo) terminal. Stored and returned; the runtimes do not allocate one.
    public var tty: Bool?
    /// `check`: Marathon's app-level Mesos check; kept, not run (see `AppCheck`).
    public var check: AppCheck?
    /// `resourceLimits`: burst limits above `cpus`/`mem`; kept, not applied (see `ResourceLimits`).
    public var resourceLimits: ResourceLimits?
    /// `executorResources`: kept so that definitions round-trip; Wharf has no executors.
    public var executorResources: ExecutorResources?
    /// Wharf: seconds a deployment of this app may go without progress (a new instance becoming
    /// healthy and ready, an old one being replaced) before it fails; nil = the server default.
    /// Not a Marathon field: written only when set.
    public var progressDeadlineSeconds: Int?
    /// Wharf: whether a failed deployment of this app is rolled back to the previous definition
    /// automatically; nil = true. Not a Marathon field: written only when set.
    public var autoRollback: Bool?
    /// Set by the server when the definition is stored; the id of this version.
    public var version: Timestamp?
    /// Set by the server: when the last scaling and last configuration change happened.
    public var versionInfo: VersionInfo?

    /// An app with Marathon's defaults for every field but `id`.
    public init(id: PathId) {
        self.id = id
        self.cmd = nil
        self.args = nil
        self.user = nil
        self.env = [:]
        self.instances = 1
        self.cpus = 1
        self.mem = 128
        self.disk = 0
        self.gpus = 0
        self.executor = ""
        self.constraints = []
        self.fetch = []
        self.portDefinitions = [PortDefinition(port: 0, protocol: "tcp", name: "default")]
        self.requirePorts = false
        self.backoffSeconds = 1
        self.backoffFactor = 1.15
        self.maxLaunchDelaySeconds = 300
        self.container = nil
        self.healthChecks = []
        self.readinessChecks = []
        self.dependencies = []
        self.upgradeStrategy = UpgradeStrategy()
        self.labels = [:]
        self.acceptedResourceRoles = nil
        self.killSelection = .youngestFirst
        self.unreachableStrategy = .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0)
        self.taskKillGracePeriodSeconds = nil
        self.progressDeadlineSeconds = nil
        self.autoRollback = nil
        self.networks = [Network(mode: .host)]
        self.role = "*"
        self.secrets = [:]
        self.tty = nil
        self.check = nil
        self.resourceLimits = nil
        self.executorResources = nil
        self.version = nil
        self.versionInfo = nil
    }

    /// Resources one instance reserves.
    public var resources: Resources { Resources(cpus: cpus, mem: mem, disk: disk) }

    /// Whether the app uses the host's network namespace (ports come from `portDefinitions`).
    public var usesHostNetwork: Bool { networks.allSatisfy { $0.mode == .host } }
}

/// An environment variable value: a plain string or a reference to a secret.
public enum EnvValue: Hashable, Sendable {
    case value(String)
    case secret(String)
}

/// `{"source": "..."}`: where a secret comes from.
public struct SecretDefinition: Hashable, Sendable {
    public var source: String
    public init(source: String) { self.source = source }
}

/// A placement constraint `[field, operator, value?]`.
public struct Constraint: Hashable, Sendable {
    public enum Operator: String, Sendable, CaseIterable {
        case unique = "UNIQUE", cluster = "CLUSTER", groupBy = "GROUP_BY", like = "LIKE", unlike = "UNLIKE",
             maxPer = "MAX_PER", `is` = "IS"
    }
    public var field: String
    public var op: Operator
    public var value: String?

    public init(field: String, op: Operator, value: String? = nil) {
        self.field = field
        self.op = op
        self.value = value
    }
}

/// One artifact fetched into the sandbox before the task starts.
public struct FetchUri: Hashable, Sendable {
    public var uri: String
    public var extract: Bool
    public var executable: Bool
    public var cache: Bool
    public var destPath: String?

    public init(uri: String, extract: Bool = true, executable: Bool = false, cache: Bool = false, destPath: String? = nil) {
        self.uri = uri
        self.extract = extract
        self.executable = executable
        self.cache = cache
        self.destPath = destPath
    }
}

/// A host-network port: `port` 0 asks for a dynamically assigned service port.
public struct PortDefinition: Hashable, Sendable {
    public var port: Int
    public var `protocol`: String
    public var name: String?
    public var labels: [String: String]?

    public init(port: Int, protocol: String = "tcp", name: String? = nil, labels: [String: String]? = nil) {
        self.port = port
        self.protocol = `protocol`
        self.name = name
        self.labels = labels?.isEmpty == false ? labels : nil
    }
}

/// Rolling-upgrade bounds, as fractions of the target instance count.
public struct UpgradeStrategy: Hashable, Sendable {
    public var minimumHealthCapacity: Double
    public var maximumOverCapacity: Double

    public init(minimumHealthCapacity: Double = 1, maximumOverCapacity: Double = 1) {
        self.minimumHealthCapacity = minimumHealthCapacity
        self.maximumOverCapacity = maximumOverCapacity
    }
}

/// Which instances go first when scaling down.
public enum KillSelection: String, Hashable, Sendable {
    case youngestFirst = "YOUNGEST_FIRST"
    case oldestFirst = "OLDEST_FIRST"
}

/// What to do with instances on an unreachable agent.
public enum UnreachableStrategy: Hashable, Sendable {
    case disabled
    case enabled(inactiveAfterSeconds: Int, expungeAfterSeconds: Int)
}

/// When the last scaling and the last configuration change of an app happened.
public struct VersionInfo: Hashable, Sendable {
    public var lastScalingAt: Timestamp
    public var lastConfigChangeAt: Timestamp

    public init(lastScalingAt: Timestamp, lastConfigChangeAt: Timestamp) {
        self.lastScalingAt = lastScalingAt
        self.lastConfigChangeAt = lastConfigChangeAt
    }
}

/// A network the app's tasks join.
public struct Network: Hashable, Sendable {
    public enum Mode: String, Hashable, Sendable {
        case host, container, containerBridge = "container/bridge"
    }
    public var mode: Mode
    public var name: String?
    public var labels: [String: String]?

    public init(mode: Mode, name: String? = nil, labels: [String: String]? = nil) {
        self.mode = mode
        self.name = name
        self.labels = labels?.isEmpty == false ? labels : nil
    }
}

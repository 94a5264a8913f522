import HashTreeCollections
import WharfModel
import WharfScheduler

/// An explicitly created group (`POST /v2/groups`), kept so that empty groups and group-level
/// dependencies survive. Groups implied by app ids need no record.
public struct GroupRecord: Codable, Hashable, Sendable {
    public var id: PathId
    public var dependencies: [PathId]
    public var version: Timestamp
    public var enforceRole: Bool

    public init(id: PathId, dependencies: [PathId] = [], version: Timestamp, enforceRole: Bool = false) {
        self.id = id
        self.dependencies = dependencies
        self.version = version
        self.enforceRole = enforceRole
    }
}

/// Marathon's `lastTaskFailure` of an app.
public struct TaskFailure: Codable, Hashable, Sendable {
    public var appId: PathId
    public var host: String
    public var message: String
    public var state: TaskState
    public var taskId: String
    public var timestamp: Timestamp
    public var version: Timestamp
    public var slaveId: String
}

/// A consistent, immutable picture of the control plane, handed to readers (API, CLI, UI).
/// Copying is O(1): the collections are copy-on-write.
public struct ClusterState: Sendable {
    /// Current definition of every app. Changed only through `setApp`, which keeps
    /// `servicePortUsers` in step.
    public private(set) var apps: TreeDictionary<PathId, AppDefinition> = [:]
    /// How many apps declare each service port (assigned ones; 0 is not counted).
    private(set) var servicePortUsers: [Int: Int] = [:]
    /// Explicitly created groups.
    public var groups: [PathId: GroupRecord] = [:]
    /// Every instance not yet expunged, by instance id. Changed only through `upsert` and
    /// `removeInstance`, which keep the indexes below in step.
    ///
    /// The instance collections are persistent hash tries (`TreeDictionary`, `TreeSet`): a reader's
    /// snapshot shares them, and the next change copies only the path to what it changes — with
    /// plain dictionaries it would copy all 100,000 instances after every read.
    public private(set) var instances: TreeDictionary<String, Instance> = [:]
    /// Instance ids per app.
    public private(set) var instanceIdsByApp: TreeDictionary<PathId, TreeSet<String>> = [:]
    /// Instance ids per agent.
    public private(set) var instanceIdsByAgent: TreeDictionary<String, TreeSet<String>> = [:]
    /// What the active instances hold on each agent, for per-app scheduler evaluations.
    public private(set) var agentUsage: [String: AgentUsage] = [:]
    /// Marathon's task counts per app (staged, running, healthy, unhealthy), kept in step.
    private(set) var taskCounts: TreeDictionary<PathId, TaskCounts> = [:]
    /// What deployment progress and completion read of each app's active instances, kept in step.
    public private(set) var progressCounts: TreeDictionary<PathId, ProgressCounts> = [:]
    /// Active instances being killed (`goal == .decommissioned`), whose kills may need resending.
    public private(set) var killing: Set<String> = []
    /// Running instances meant to run whose health checks ask for a kill (`health.killReason`).
    private(set) var failingChecks: Set<String> = []
    /// Running deployments by id.
    public var deployments: [String: Deployment] = [:] {
        didSet { appsRevision &+= 1 }
    }
    public var lastTaskFailures: [PathId: TaskFailure] = [:] {
        didSet { appsRevision &+= 1 }
    }
    /// Changes with everything an app listing shows (definitions, instances and their counts,
    /// deployments, last failures, route listener errors), so that equal revisions of one state's
    /// history render the same `GET /v2/apps`. Starts at a random value: a state built anew (another
    /// leader term) does not repeat an earlier state's revisions.
    public private(set) var appsRevision = UInt64.random(in: 0...(UInt64.max / 2))
    /// Instances the scheduler could not launch at its last pass, and why.
    public var queue: [PathId: QueueEntry] = [:]
    /// Offer statistics of the apps in `queue`, since each started waiting.
    public var launchStatistics: [PathId: LaunchStatistics] = [:]
    public var backoff: [PathId: LaunchBackoff] = [:]
    /// Agents that registered and reported their tasks.
    public var agents: [String: AgentInfo] = [:] {
        didSet { agentsChanged = true }
    }
    /// Agents the link has not heard from for its timeout (or that did not come back after a
    /// restart), until they register again; nothing is placed on them.
    public var unreachableAgents: [String: UnreachableAgent] = [:]
    /// Agents being drained, by agent id (also agents not connected now).
    public var drains: [String: AgentDrain] = [:]
    /// When each agent was last heard from (any report), by agent id.
    public var agentLastSeen: [String: Timestamp] = [:]
    /// Whether `agents` changed since the catalog's nodes were last set.
    var agentsChanged = true
    /// Version of the root group: the time of the last accepted change.
    public var rootVersion: Timestamp = Timestamp(millis: 0)
    /// Apps whose definition (or anything else of the whole app) changed since the catalog was
    /// last told: their services are rebuilt.
    var catalogChanges: Set<PathId> = []
    /// Instances whose record changed since the catalog was last told, by app: only their
    /// endpoints are updated.
    var catalogInstanceChanges: [PathId: Set<String>] = [:]
    /// Service ports the local router's TCP routes cannot listen on, with why (shown in
    /// `routeErrors` and `/v2/queue`); a port leaves once its listener binds or its route is gone.
    public var routeListenerErrors: [Int: String] = [:] {
        didSet { appsRevision &+= 1 }
    }
    /// Stored records that could not be read at start-up, and the apps left alone because of them.
    public var quarantine = Quarantine()

    public init() {}

    /// Instances of `app`, oldest first.
    public func instances(of app: PathId) -> [Instance] {
        guard let ids = instanceIdsByApp[app] else { return [] }
        return ids.compactMap { instances[$0] }.sorted { ($0.stagedAt, $0.id) < ($1.stagedAt, $1.id) }
    }

    /// Sets (or with nil removes) the definition of app `id`.
    mutating func setApp(_ id: PathId, _ app: AppDefinition?) {
        appsRevision &+= 1
        let previous = app.map { apps.updateValue($0, forKey: id) } ?? apps.removeValue(forKey: id)
        for port in previous.map(ServicePortAssigner.servicePorts(of:)) ?? [] where port != 0 {
            if let count = servicePortUsers[port], count > 1 { servicePortUsers[port] = count - 1 } else { servicePortUsers[port] = nil }
        }
        for port in app.map(ServicePortAssigner.servicePorts(of:)) ?? [] where port != 0 {
            servicePortUsers[port, default: 0] += 1
        }
    }

    /// Instances of `app` in no particular order, looked up as they are read (no copy of them all).
    public func lazyInstances(of app: PathId) -> some Sequence<Instance> {
        (instanceIdsByApp[app] ?? []).lazy.compactMap { instances[$0] }
    }

    mutating func upsert(_ instance: Instance) {
        appsRevision &+= 1
        catalogInstanceChanges[instance.appId, default: []].insert(instance.id)
        let previous = instances.updateValue(instance, forKey: instance.id)
        if let previous {
            taskCounts[previous.appId]?.add(previous, by: -1)
            progressCounts[previous.appId]?.add(previous, by: -1)
        }
        taskCounts[instance.appId, default: TaskCounts()].add(instance)
        progressCounts[instance.appId, default: ProgressCounts()].add(instance)
        if let previous {
            if previous.isActive { agentUsage[previous.agentId]?.remove(previous) }
            if previous.agentId != instance.agentId { forget(instance.id, onAgent: previous.agentId) }
        } else {
            instanceIdsByApp[instance.appId, default: []].insert(instance.id)
        }
        if instance.isActive { agentUsage[instance.agentId, default: AgentUsage()].add(instance) }
        instanceIdsByAgent[instance.agentId, default: []].insert(instance.id)
        if instance.goal == .running, instance.state == .running, instance.health?.killReason != nil {
            failingChecks.insert(instance.id)
        } else if previous?.health?.killReason != nil {
            failingChecks.remove(instance.id)
        }
        if instance.isActive && instance.goal == .decommissioned {
            killing.insert(instance.id)
        } else if previous?.goal == .decommissioned {
            killing.remove(instance.id)
        }
    }

    mutating func removeInstance(_ id: String) {
        guard let instance = instances.removeValue(forKey: id) else { return }
        appsRevision &+= 1
        catalogInstanceChanges[instance.appId, default: []].insert(instance.id)
        instanceIdsByApp[instance.appId]?.remove(id)
        taskCounts[instance.appId]?.add(instance, by: -1)
        progressCounts[instance.appId]?.add(instance, by: -1)
        if instanceIdsByApp[instance.appId]?.isEmpty == true {
            instanceIdsByApp[instance.appId] = nil
            taskCounts[instance.appId] = nil
            progressCounts[instance.appId] = nil
        }
        forget(id, onAgent: instance.agentId)
        if instance.isActive { agentUsage[instance.agentId]?.remove(instance) }
        killing.remove(id)
        failingChecks.remove(id)
    }

    private mutating func forget(_ id: String, onAgent agentId: String) {
        instanceIdsByAgent[agentId]?.remove(id)
        if instanceIdsByAgent[agentId]?.isEmpty == true {
            instanceIdsByAgent[agentId] = nil
            agentUsage[agentId] = nil
        }
    }
}

/// A change to apply through a deployment: the unit every mutating API call is turned into.
public struct DeployRequest: Sendable {
    /// New full definitions by id; nil removes the app. Versions are assigned by the control plane.
    public var apps: [PathId: AppDefinition?]
    /// Apps to restart even if their definition is unchanged (`POST /v2/apps/{id}/restart`).
    public var restart: Set<PathId>
    /// Explicit group records to set (nil removes the record).
    public var groups: [PathId: GroupRecord?]
    /// Cancel conflicting deployments instead of failing with 409.
    public var force: Bool
    /// Instances to kill without replacement (`scale=true`); the caller lowers `instances` accordingly.
    public var instancesToKill: [String]
    /// Apps that must not exist yet (`POST /v2/apps`): fails with `appAlreadyExists` otherwise.
    public var mustNotExist: Set<PathId> = []
    /// Apps whose current version must still be this one (the base of a partial update read before
    /// the call): fails with `concurrentModification` otherwise, so no update is lost.
    public var expectedVersions: [PathId: Timestamp] = [:]
    /// A running deployment this one replaces (a revert): it is removed with this one's commit.
    public var replacesDeployment: String?
    /// Why `replacesDeployment` ends (its `deployment_failed` reason); default: canceled by this one.
    public var replacedReason: String?
    /// The definitions are earlier ones being restored (a revert or rollback): each keeps its
    /// configuration version, so that instances still running it are kept rather than restarted.
    /// The resulting deployment is marked as a rollback and never rolled back itself.
    public var restoresOriginal = false
    /// The user forced this change (`/v2/apps...?force=true`): it may replace or remove quarantined
    /// apps, and their unreadable records are deleted with its commit. Without it, a change touching
    /// a quarantined app fails with `ControlPlaneError.quarantined`.
    public var liftsQuarantine = false

    public init(apps: [PathId: AppDefinition?] = [:], restart: Set<PathId> = [], groups: [PathId: GroupRecord?] = [:],
                force: Bool = false, instancesToKill: [String] = []) {
        self.apps = apps
        self.restart = restart
        self.groups = groups
        self.force = force
        self.instancesToKill = instancesToKill
    }
}

/// What a deployment-creating call returns: Marathon's `{"deploymentId", "version"}`.
public struct DeploymentResult: Sendable {
    public var deploymentId: String
    public var version: Timestamp
    /// Definitions as stored (with versions and service ports assigned), for the response body.
    public var apps: [PathId: AppDefinition]
}

/// Errors of control-plane operations, each carrying what the API needs to answer.
public enum ControlPlaneError: Error, CustomStringConvertible {
    /// The apps are locked by running deployments (409 unless `force`).
    case appLocked(deploymentIds: [String])
    /// `--max_running_deployments` reached (403).
    case tooManyDeployments(limit: Int)
    case unknownApp(PathId)
    /// `POST` of an app that exists (409).
    case appAlreadyExists(PathId)
    /// The app changed between reading it and writing the update (409); retrying is safe.
    case concurrentModification(PathId)
    case unknownDeployment(String)
    case unknownTask(String)
    /// A request the model accepts but the cluster cannot satisfy (e.g. service ports exhausted) (422).
    case unprocessable(String)
    /// The state store failed; nothing was applied (500).
    case store(String)
    /// The change cannot be made now: this server no longer leads, or its store cannot be reached;
    /// nothing was applied and retrying helps (503).
    case unavailable(String)
    /// The app is quarantined (its stored records cannot all be read) and the change was not forced
    /// (409); the explanation says which records and how to recover.
    case quarantined(PathId, explanation: String)

    public var description: String {
        switch self {
        case let .appLocked(ids):
            let first = ids.first ?? ""
            return "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/\(first)'."
        case let .tooManyDeployments(limit):
            return "Max number (\(limit)) of running deployments is achieved. Wait for existing deployments to complete or cancel them."
        case let .unknownApp(id): return "App '\(id)' does not exist"
        case let .appAlreadyExists(id): return "An app with id [\(id)] already exists."
        case let .concurrentModification(id):
            return "App '\(id)' was changed by another request while this one was processed; please retry."
        case let .unknownDeployment(id): return "DeploymentPlan \(id) does not exist"
        case let .unknownTask(id): return "Task '\(id)' does not exist"
        case let .unprocessable(message): return message
        case let .store(message): return "state store failure: \(message)"
        case let .unavailable(message): return message
        case let .quarantined(_, explanation): return explanation
        }
    }
}

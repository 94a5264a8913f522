import WharfModel

/// The read-only picture the scheduler decides on. Built by the control plane from its state; the
/// scheduler never reads anything else (no clock, no I/O, no randomness besides `seed`).
public struct SchedulerView: Sendable {
    /// The current time.
    public var now: Timestamp
    /// Desired state: every app with its current definition (`version` and `versionInfo` set).
    /// Instances of apps not listed here (nor in `frozenApps`) are killed.
    public var apps: [AppDefinition]
    /// Every instance the control plane knows that is not yet terminal, including ones being killed
    /// (`goal == .decommissioned`) — or, when `usage` is given, those of the apps this call
    /// evaluates: the apps in `apps` and removed apps whose instances are to be killed.
    public var instances: [Instance]
    /// What the active instances of the whole cluster hold per agent (by agent id), kept by the
    /// caller. Given, the scheduler evaluates only the apps in `apps` (per-app evaluation) and takes
    /// agents' free room from here; nil, it computes it from `instances`, which must then be all of
    /// them. For the apps evaluated, both give the same decisions.
    public var usage: [String: AgentUsage]?
    /// At most this many launches in one call (nil: no limit). Apps whose launches the limit cuts
    /// short are listed in `SchedulerDecisions.deferred`, to be evaluated again; apps after the
    /// limit still get their kills. Keeps one call's work, and what the caller carries out before
    /// it can serve anything else, bounded.
    public var maxLaunches: Int?
    /// Agents that can take new tasks.
    public var agents: [AgentInfo]
    /// Launch delay state per app; apps without an entry are not delayed.
    public var backoff: [PathId: LaunchBackoff]
    /// Seed of the placement shuffle: the same view and seed give the same decisions. Vary it between
    /// calls (e.g. a counter) so that ties are not always broken towards the same agents.
    public var seed: UInt64
    /// Host ports no task may get on any agent: the service ports an edge router on every agent
    /// listens on. Default none.
    public var reservedPorts: [Int]
    /// Apps whose instances are left exactly as they are — never killed, never replaced, never
    /// scaled — while they keep holding their resources and ports: apps the control plane cannot
    /// fully read (quarantined). Default none.
    public var frozenApps: Set<PathId>
    /// Agents being drained (`wharf node drain`): nothing new is placed on them, and the instances
    /// they run are replaced elsewhere as in a rolling upgrade (within each app's `upgradeStrategy`:
    /// a replacement serves before the instance it replaces is killed). Default none.
    public var drainingAgents: Set<String>

    public init(now: Timestamp, apps: [AppDefinition], instances: [Instance], agents: [AgentInfo],
                backoff: [PathId: LaunchBackoff] = [:], seed: UInt64 = 0, reservedPorts: [Int] = [],
                frozenApps: Set<PathId> = [], drainingAgents: Set<String> = [], usage: [String: AgentUsage]? = nil) {
        self.usage = usage
        self.drainingAgents = drainingAgents
        self.reservedPorts = reservedPorts
        self.frozenApps = frozenApps
        self.now = now
        self.apps = apps
        self.instances = instances
        self.agents = agents
        self.backoff = backoff
        self.seed = seed
    }
}

/// Why an instance that should run is not launched yet (shown in `/v2/queue`).
public enum WaitReason: Hashable, Sendable {
    /// The app's launch backoff delay has not run out.
    case backoff(until: Timestamp)
    /// No agent fits; the counts say how many agents lacked which resource (Marathon's
    /// `rejectSummaryLastOffers` reasons: InsufficientCpus, InsufficientMemory, InsufficientDisk,
    /// InsufficientPorts, UnfulfilledConstraint).
    case noFit(rejections: [String: Int], agentsConsidered: Int)
    /// No agent is registered that can run this app's runtime.
    case noAgent(String)
    /// The rolling-upgrade bounds (maximumOverCapacity) hold further launches back for now.
    case upgradeCapacity
}

/// Instances of one app the scheduler wanted to launch but could not, and why.
public struct QueueEntry: Hashable, Sendable {
    public var appId: PathId
    public var count: Int
    public var reason: WaitReason

    public init(appId: PathId, count: Int, reason: WaitReason) {
        self.appId = appId
        self.count = count
        self.reason = reason
    }
}

/// An instance to stop, and why (shown in task messages and events).
public struct KillDecision: Hashable, Sendable {
    public var instanceId: String
    public var reason: String

    public init(instanceId: String, reason: String) {
        self.instanceId = instanceId
        self.reason = reason
    }
}

/// What the control plane should do now.
public struct SchedulerDecisions: Sendable {
    /// New instance records, placed on agents with ports assigned, in state `TASK_STAGING`. The
    /// control plane persists them before telling the agent.
    public var launches: [Instance] = []
    /// Instances to kill (goal becomes `.decommissioned`).
    public var kills: [KillDecision] = []
    /// Apps with instances still to launch that could not be placed now.
    public var waiting: [QueueEntry] = []
    /// Per app waiting with `.noFit`: every agent examined, what it had free and why it could not
    /// take an instance (what `/v2/queue` shows as declined offers).
    public var declinedOffers: [PathId: [DeclinedOffer]] = [:]
    /// Apps with launches still to decide because `SchedulerView.maxLaunches` was reached.
    public var deferred: [PathId] = []

    public init(launches: [Instance] = [], kills: [KillDecision] = [], waiting: [QueueEntry] = [],
                declinedOffers: [PathId: [DeclinedOffer]] = [:]) {
        self.launches = launches
        self.kills = kills
        self.waiting = waiting
        self.declinedOffers = declinedOffers
    }
}

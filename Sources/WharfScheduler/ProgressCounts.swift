import WharfModel

/// How many active instances of one app are in each state that deployment progress and completion
/// tell apart (`DeploymentPlanner.progress`, `isActionComplete`). The control plane keeps one per
/// app, updated with every instance change, so that judging a 10,000-instance rolling restart after
/// each pass costs a handful of entries, not a walk over all its instances.
public struct ProgressCounts: Hashable, Sendable {
    /// The facts about an instance those judgements read. Terminal instances have none: they are
    /// not counted.
    public struct Class: Hashable, Sendable {
        public var configVersion: Timestamp
        public var goalRunning: Bool
        /// Running, not being killed, not known to be unhealthy and ready.
        public var runningAndReady: Bool
        public var hasHealthResults: Bool
        public var healthy: Bool
        /// In state unreachable: whether it still counts depends on the time and its agent.
        public var unreachable: Bool

        public init?(_ instance: Instance) {
            guard instance.isActive else { return nil }
            configVersion = instance.configVersion
            goalRunning = instance.goal == .running
            runningAndReady = instance.isRunningAndHealthy && instance.isReady
            hasHealthResults = !(instance.health?.results.isEmpty ?? true)
            healthy = instance.healthy == true
            unreachable = instance.state == .unreachable
        }

        /// `Scheduler.isServing` for an instance of this class.
        func isServing(_ app: AppDefinition) -> Bool {
            guard runningAndReady else { return false }
            let checked = hasHealthResults || (!app.healthChecks.isEmpty && configVersion == Scheduler.configVersion(of: app))
            return checked ? healthy : true
        }
    }

    public private(set) var counts: [Class: Int] = [:]

    public init() {}

    public init(_ instances: some Sequence<Instance>) {
        for instance in instances { add(instance) }
    }

    /// Counts `instance` in (`by: 1`) or out again (`by: -1`); terminal instances do not count.
    public mutating func add(_ instance: Instance, by step: Int = 1) {
        guard let key = Class(instance) else { return }
        let count = counts[key, default: 0] + step
        counts[key] = count == 0 ? nil : count
    }

    /// How many active instances there are.
    public var total: Int { counts.values.reduce(0, +) }

    /// Whether some active instance is unreachable.
    public var hasUnreachable: Bool { counts.keys.contains(where: \.unreachable) }
}

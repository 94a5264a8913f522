import WharfModel

/// What the active instances on one agent hold: their resources and host ports. Kept up to date by
/// the caller as instances come and go (`add`/`remove`), so that a `Scheduler.decide` call that
/// evaluates a few apps knows the free room of every agent without being handed every instance of
/// the cluster (`SchedulerView.usage`).
public struct AgentUsage: Hashable, Sendable {
    /// Resources of the active instances, summed.
    public private(set) var resources = Resources.zero
    /// Host ports of the active instances, with how many instances hold each (normally one).
    public private(set) var ports: [Int: Int] = [:]
    /// How many active instances there are.
    public private(set) var instances = 0

    public init() {}

    /// Counts `instance` (which must be active) as holding its resources and ports here.
    public mutating func add(_ instance: Instance) {
        instances += 1
        resources += instance.resources
        for port in instance.ports { ports[port, default: 0] += 1 }
    }

    /// Stops counting `instance`, added before.
    public mutating func remove(_ instance: Instance) {
        instances -= 1
        if instances == 0 {
            // Exact again once empty: no floating-point residue of the sums is carried on.
            resources = .zero
            ports = [:]
            return
        }
        resources -= instance.resources
        for port in instance.ports {
            if let count = ports[port], count > 1 { ports[port] = count - 1 } else { ports[port] = nil }
        }
    }

    /// The usage of every agent by `instances` (the active ones count), computed from scratch.
    public static func of(_ instances: some Sequence<Instance>) -> [String: AgentUsage] {
        var usage: [String: AgentUsage] = [:]
        for instance in instances where instance.isActive { usage[instance.agentId, default: AgentUsage()].add(instance) }
        return usage
    }
}

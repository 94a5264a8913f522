import WharfModel

/// What reconciliation wants for one app before placement: which of its instances to kill, how many
/// new ones to launch, and how many further launches the rolling-upgrade bounds hold back.
struct AppPlan: Equatable {
    var kills: [KillDecision] = []
    var launchCount = 0
    var heldByCapacity = 0

    /// Compares the app's desired state with its non-terminal instances (`instances`, any goal) and
    /// decides the difference: a plain scale when every goal-running instance runs the current
    /// configuration on an agent that is not draining, a rolling upgrade step otherwise (instances
    /// on draining agents are replaced like those of an older configuration).
    static func make(app: AppDefinition, instances: [Instance], drainingAgents: Set<String> = []) -> AppPlan {
        let version = Scheduler.configVersion(of: app)
        var new: [Instance] = []
        var old: [Instance] = []
        for instance in instances where instance.goal == .running && instance.isActive {
            if instance.configVersion == version && !drainingAgents.contains(instance.agentId) {
                new.append(instance)
            } else {
                old.append(instance)
            }
        }
        if old.isEmpty { return scale(app: app, instances: new) }
        return RollingUpgrade.plan(app: app, new: new, old: old, drainingAgents: drainingAgents)
    }

    /// Launches the missing instances or kills the surplus in `ScalingOrder`.
    static func scale(app: AppDefinition, instances: [Instance]) -> AppPlan {
        let target = max(0, app.instances)
        var plan = AppPlan()
        if instances.count < target {
            plan.launchCount = target - instances.count
        } else if instances.count > target {
            let victims = ScalingOrder.killOrder(instances, selection: app.killSelection).prefix(instances.count - target)
            plan.kills = victims.map { KillDecision(instanceId: $0.id, reason: "scaling down \(app.id) to \(target) instances") }
        }
        return plan
    }
}

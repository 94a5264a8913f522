import WharfModel

/// One level-triggered step of a rolling upgrade (Marathon's `TaskReplaceActor`), computed afresh from
/// the current instances each time, so re-running it after its decisions were applied asks for nothing
/// new.
///
/// With n = `app.instances`, `minHealthy = ⌈n·minimumHealthCapacity⌉` and
/// `maxCapacity = ⌊n·(1+maximumOverCapacity)⌋`:
/// - old instances that are not running and healthy are killed first;
/// - new instances count once they serve (`Scheduler.isServing`: healthy and ready);
/// - healthy old ones are killed only while the healthy old and new instances left stay ≥ minHealthy
///   (all of them once n new ones are healthy; at least those above n);
/// - when `minHealthy == maxCapacity` and the healthy ones fill it, one instance over capacity is
///   allowed so that the upgrade can make progress;
/// - new instances are launched up to `min(n − new, maxCapacity − (old left + new))`.
enum RollingUpgrade {
    /// `⌈n·minimumHealthCapacity⌉` and `⌊n·(1+maximumOverCapacity)⌋`, tolerant of floating-point noise.
    static func bounds(instances n: Int, strategy: UpgradeStrategy) -> (minHealthy: Int, maxCapacity: Int) {
        let minHealthy = Int((Double(n) * strategy.minimumHealthCapacity - 1e-9).rounded(.up))
        let maxCapacity = Int((Double(n) * (1 + strategy.maximumOverCapacity) + 1e-9).rounded(.down))
        return (max(0, min(n, minHealthy)), max(n, maxCapacity))
    }

    /// The kills and launches for one step; `new` and `old` are the app's goal-running, non-terminal
    /// instances with the current and with an outdated configuration (`old` not empty).
    /// Old instances on `drainingAgents` are said to move rather than to be upgraded.
    static func plan(app: AppDefinition, new newInstances: [Instance], old: [Instance],
                     drainingAgents: Set<String> = []) -> AppPlan {
        let n = max(0, app.instances)
        var (minHealthy, maxCapacity) = bounds(instances: n, strategy: app.upgradeStrategy)
        var plan = AppPlan()
        var new = newInstances

        // New instances above the target (the target went down mid-upgrade): least useful first.
        if new.count > n {
            let surplus = ScalingOrder.killOrder(new, selection: app.killSelection).prefix(new.count - n)
            let ids = Set(surplus.map(\.id))
            plan.kills += surplus.map { KillDecision(instanceId: $0.id, reason: "scaling down \(app.id) to \(n) instances") }
            new.removeAll { ids.contains($0.id) }
        }
        let healthyNew = new.filter { Scheduler.isServing($0, of: app) }.count
        let healthyOld = ScalingOrder.killOrder(old.filter(\.isRunningAndHealthy), selection: app.killSelection)
        let unhealthyOld = ScalingOrder.killOrder(old.filter { !$0.isRunningAndHealthy }, selection: app.killSelection)
        let healthy = healthyNew + healthyOld.count

        func reason(_ instance: Instance, _ upgrade: String) -> String {
            drainingAgents.contains(instance.agentId)
                ? "agent \(instance.agentId) is draining: \(app.id) moves to other agents"
                : "rolling upgrade of \(app.id): \(upgrade)"
        }
        plan.kills += unhealthyOld.map { KillDecision(instanceId: $0.id, reason: reason($0, "old instance not healthy")) }
        var killHealthy = max(0, healthy - minHealthy)
        // Old instances above the target go regardless (never below n, hence never below minHealthy).
        killHealthy = max(killHealthy, old.count - n - unhealthyOld.count)
        if healthyNew >= n { killHealthy = healthyOld.count }
        killHealthy = min(killHealthy, healthyOld.count)
        if minHealthy == maxCapacity && maxCapacity <= healthy {
            maxCapacity += 1
        }
        plan.kills += healthyOld.prefix(killHealthy).map {
            KillDecision(instanceId: $0.id, reason: reason($0, "replaced by new version"))
        }

        let oldLeft = healthyOld.count - killHealthy
        let missing = max(0, n - new.count)
        let room = max(0, maxCapacity - oldLeft - new.count)
        plan.launchCount = min(missing, room)
        plan.heldByCapacity = missing - plan.launchCount
        return plan
    }
}

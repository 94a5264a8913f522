import WharfModel

/// Wharf's scheduler: a pure function from a `SchedulerView` (desired apps, known instances, agents,
/// backoff state, time) to the launches and kills that move the cluster towards the desired state.
///
/// It is level-triggered: it looks only at the current state, never at events, so calling it again
/// on the state that results from applying its decisions asks for nothing new, and calling it after a
/// missed event repairs whatever was missed. It performs no I/O, reads no clock and draws no random
/// numbers except from `SchedulerView.seed`; instance ids come from the injected generator.
///
/// Per app it either scales (launch the missing, kill the surplus in Marathon's order) or, while
/// instances of an older configuration (or on a draining agent) remain, takes one rolling-upgrade
/// step within the app's `upgradeStrategy` bounds. Launches are placed by `Placer` (resources, host ports, constraints,
/// runtime) and held back while the app's `LaunchBackoff` delays it. Instances of frozen apps
/// (`SchedulerView.frozenApps`) are left alone, but their resources and ports stay taken.
public struct Scheduler: Sendable {
    private let makeInstanceId: @Sendable (PathId) -> String
    private let algorithm: PlacementAlgorithm

    /// A scheduler that names new instances with `makeInstanceId` (typically
    /// `Instance.makeId(appId:unique: UUID().uuidString)`) and ranks agents with `algorithm`.
    public init(makeInstanceId: @escaping @Sendable (PathId) -> String, algorithm: PlacementAlgorithm = .spread) {
        self.makeInstanceId = makeInstanceId
        self.algorithm = algorithm
    }

    /// The configuration version instances of `app` are compared against:
    /// `versionInfo.lastConfigChangeAt`, else `version`, else the epoch.
    public static func configVersion(of app: AppDefinition) -> Timestamp {
        app.versionInfo?.lastConfigChangeAt ?? app.version ?? Timestamp(millis: 0)
    }

    /// Whether `instance` serves `app`'s purpose: running, not being killed, healthy (when `app` has
    /// health checks every check must have passed; an instance whose health is unknown does not
    /// count) and ready (every readiness check passed). What rolling upgrades and deployment
    /// completion wait for.
    public static func isServing(_ instance: Instance, of app: AppDefinition) -> Bool {
        ProgressCounts.Class(instance)?.isServing(app) ?? false
    }

    /// Decides what to launch and kill now. Kills come first in `kills`; instances being killed keep
    /// holding their resources and ports, so launches never overcommit an agent in the meantime.
    public func decide(_ view: SchedulerView) -> SchedulerDecisions {
        var decisions = SchedulerDecisions()
        var byApp: [PathId: [Instance]] = [:]
        for instance in view.instances where instance.isActive {
            byApp[instance.appId, default: []].append(instance)
        }

        var apps: [AppDefinition] = []
        var known = Set<PathId>()
        for app in view.apps where known.insert(app.id).inserted { apps.append(app) }
        apps.sort { $0.id < $1.id }

        for appId in byApp.keys.sorted() where !known.contains(appId) && !view.frozenApps.contains(appId) {
            for instance in byApp[appId]! where instance.goal == .running {
                decisions.kills.append(KillDecision(instanceId: instance.id, reason: "app \(appId) removed"))
            }
        }

        let cluster = ClusterState(agents: view.agents, instances: view.instances, seed: view.seed,
                                   reservedPorts: view.reservedPorts, drainingAgents: view.drainingAgents, usage: view.usage)
        let placer = Placer(cluster: cluster, seed: view.seed, algorithm: algorithm)

        var plans: [(app: AppDefinition, plan: AppPlan)] = []
        for app in apps where !view.frozenApps.contains(app.id) {
            let plan = AppPlan.make(app: app, instances: byApp[app.id] ?? [], drainingAgents: view.drainingAgents)
            decisions.kills += plan.kills
            if plan.heldByCapacity > 0 {
                decisions.waiting.append(QueueEntry(appId: app.id, count: plan.heldByCapacity, reason: .upgradeCapacity))
            }
            if plan.launchCount > 0 { plans.append((app, plan)) }
        }
        if view.maxLaunches != nil {
            // Under a launch limit, apps needing fewest go first: one big app does not hold back
            // every small one behind it.
            plans.sort { ($0.plan.launchCount, $0.app.id) < ($1.plan.launchCount, $1.app.id) }
        }
        for (app, plan) in plans {
            let instances = byApp[app.id] ?? []
            if let backoff = view.backoff[app.id], backoff.isDelaying(app, now: view.now),
               let until = backoff.delayedUntil {
                decisions.waiting.append(QueueEntry(appId: app.id, count: plan.launchCount, reason: .backoff(until: until)))
                continue
            }
            let allowed = view.maxLaunches.map { max(0, $0 - decisions.launches.count) } ?? plan.launchCount
            if allowed < plan.launchCount { decisions.deferred.append(app.id) }
            guard allowed > 0 else { continue }
            let outcome = placer.place(app: app, count: min(plan.launchCount, allowed), instances: instances)
            let configVersion = Scheduler.configVersion(of: app)
            let appVersion = app.version ?? configVersion
            for placement in outcome.placements {
                let agent = cluster.agents[placement.agent]
                decisions.launches.append(Instance(
                    id: makeInstanceId(app.id), appId: app.id, appVersion: appVersion, configVersion: configVersion,
                    agentId: agent.id, host: agent.host, ports: placement.ports, resources: app.resources,
                    state: .staging, goal: .running, stagedAt: view.now))
            }
            if outcome.unplaced > 0, let reason = outcome.reason {
                decisions.waiting.append(QueueEntry(appId: app.id, count: outcome.unplaced, reason: reason))
                if !outcome.declined.isEmpty { decisions.declinedOffers[app.id] = outcome.declined }
            }
        }
        return decisions
    }
}

import Foundation
import WharfModel
import WharfScheduler
import WharfStore

extension ControlPlane {
    /// How many instances one pass evaluates at most (beyond one app; counting what each app has
    /// or asks for, whichever is more): a resync of a large cluster is spread over passes of about
    /// this size. A pass also takes no more apps than it can launch for (`maxChangesPerPass`).
    static let evaluationBudget = 5_000

    /// How many launches, and how many kills and status records, one pass carries out at most; the
    /// rest go to the next pass. The carrying out holds the write gate (API writes wait for it), so
    /// it must stay at milliseconds even when 10,000 instances change at once.
    static let maxChangesPerPass = 250

    /// What a pass hands the scheduler, and what it needs to check the decisions against later.
    struct Evaluation: Sendable {
        var scope: Set<PathId>
        /// The view, its `instances` filled in off the actor from `state`.
        var view: SchedulerView
        /// The state when the pass began (a snapshot: its instance collections share structure).
        var state: ClusterState
        var now: Timestamp
    }

    /// One level-triggered pass over the apps marked for evaluation (per-app evaluation; a resync
    /// marks every app). Under the write gate: persist pending status changes, move deployments
    /// forward and take a snapshot of those apps. Then, without the gate and off the actor — API
    /// writes, reports and reads go on meanwhile — the scheduler decides. Under the gate again, the
    /// decisions are checked against the state of that moment (Nomad's plan and apply), persisted
    /// and sent to the agents. Between its steps a pass lets waiting API writes go first
    /// (`yieldWriteGate`), and launches are checked again after them. Running it again on unchanged
    /// state does nothing.
    func reconcile() async {
        let start = ContinuousClock.now
        defer {
            metrics.schedulerPass.record(ContinuousClock.now - start)
            continueEvaluations()
        }
        guard var evaluation = await serialized({ await beginPass() }) else { return }
        let decisions: SchedulerDecisions
        (evaluation.view, decisions) = await Self.decide(evaluation, with: scheduler)
        await serialized { await finishPass(evaluation, decisions: decisions) }
    }

    /// The part of a pass before the scheduler decides; nil when there is nothing to decide (the
    /// pass is then complete).
    private func beginPass() async -> Evaluation? {
        passCount &+= 1
        await flushQuietly(limit: Self.maxChangesPerPass)
        _ = await yieldWriteGate()
        let now = Timestamp.now()
        guard !stoppingAllTasks else {
            // Shutting down with --stop-tasks-on-exit: kills only, nothing is replaced.
            await resendStaleKills(now: now)
            publishCatalog()
            await flushQuietly()
            return nil
        }
        let resync = resyncPending
        if resync {
            resyncPending = false
            if isFullResyncDue() {
                lastFullResync = .now
                evaluations.mark(state.apps.keys.sorted(), lane: .later)
                evaluations.mark(state.instanceIdsByApp.keys.sorted(), lane: .later)
            }
        }
        var scope = evaluations.take(maxInstances: Self.evaluationBudget, maxLaunches: Self.maxChangesPerPass) { id in
            let (have, want) = (state.instanceIdsByApp[id]?.count ?? 0, state.apps[id]?.instances ?? 0)
            return (max(have, want), want - have)
        }

        await killUnhealthyInstances(of: scope, now: now)
        advanceDeployments(now: now, scope: &scope, all: resync)
        await failStalledDeployments(now: now)
        resetStableBackoffs(now: now)

        // Kills the user asked for with `scale=true` are carried out before the scheduler looks
        // (not in quarantined apps: nothing of theirs is touched until they are repaired).
        let frozen = Set(state.quarantine.apps.keys)
        let sentenced = state.deployments.values.flatMap(\.instancesToKill).filter {
            guard let instance = state.instances[$0] else { return false }
            return instance.goal == .running && !frozen.contains(instance.appId)
        }
        if !sentenced.isEmpty {
            await decommissionOrRetry(sentenced.map { KillDecision(instanceId: $0, reason: "killed and scaled down through the API") })
        }
        guard !scope.isEmpty else {
            await endPass(now: now)
            return nil
        }
        let overrides = deploymentOverrides()
        var view = SchedulerView(
            now: now, apps: scope.compactMap { overrides[$0] ?? state.apps[$0] }, instances: [],
            agents: agentsWithHostPorts(), backoff: state.backoff, seed: passCount,
            reservedPorts: routedServicePorts(), frozenApps: frozen, drainingAgents: Set(state.drains.keys),
            usage: state.agentUsage)
        view.maxLaunches = Self.maxChangesPerPass
        return Evaluation(scope: scope, view: view, state: state, now: now)
    }

    /// The part of a pass after the scheduler decided: the decisions about apps whose definition
    /// changed meanwhile are dropped and those apps evaluated again; launches to agents that left or
    /// started draining meanwhile are dropped likewise; the rest is carried out.
    private func finishPass(_ evaluation: Evaluation, decisions: SchedulerDecisions) async {
        let now = evaluation.now
        let overrides = deploymentOverrides()
        let decided = Dictionary(evaluation.view.apps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var stale = Set<PathId>()
        for appId in evaluation.scope where (overrides[appId] ?? state.apps[appId]) != decided[appId] {
            stale.insert(appId)
        }
        // The app of an instance decided about, from the snapshot the decisions were made on.
        func appOf(_ id: String) -> PathId? { evaluation.state.instances[id]?.appId }
        var current = evaluation.scope.subtracting(stale)
        wake(apps: stale)
        wake(apps: decisions.deferred, lane: .later)

        for appId in current { state.queue[appId] = nil }
        for entry in decisions.waiting where current.contains(entry.appId) { state.queue[entry.appId] = entry }
        state.launchStatistics = LaunchStatistics.afterPass(state.launchStatistics, decisions: decisions, evaluated: current,
                                                            pass: passCount, at: now)
        wakeWhenBackoffEnds(decisions.waiting)

        let kills = decisions.kills.filter { appOf($0.instanceId).map(current.contains) ?? false }
        if kills.count > Self.maxChangesPerPass {
            wake(apps: kills[Self.maxChangesPerPass...].compactMap { appOf($0.instanceId) }, lane: .later)
        }
        if !kills.isEmpty {
            await decommissionOrRetry(Array(kills.prefix(Self.maxChangesPerPass)))
        }
        if await yieldWriteGate() {
            // API writes went meanwhile: launches only for apps whose definition they left alone.
            let overrides = deploymentOverrides()
            let changed = current.filter { (overrides[$0] ?? state.apps[$0]) != decided[$0] }
            current.subtract(changed)
            wake(apps: Set(changed))
        }
        var launches: [Instance] = []
        for instance in decisions.launches where current.contains(instance.appId) && !stoppingAllTasks {
            if state.agents[instance.agentId] != nil && state.drains[instance.agentId] == nil {
                launches.append(instance)
            } else {
                wake(apps: [instance.appId]) // its agent left or started draining meanwhile
            }
        }
        if !launches.isEmpty {
            await launch(launches, apps: decided)
        }
        _ = await yieldWriteGate()
        await endPass(now: now)
    }

    /// What every pass ends with: instances of agents gone for good are settled, unconfirmed kills
    /// sent again, the catalog told and status changes persisted.
    private func endPass(now: Timestamp) async {
        expireInstancesOfMissingAgents(now: now)
        expireUnreachableInstances(now: now)
        await resendStaleKills(now: now)
        publishCatalog()
        await flushQuietly(limit: Self.maxChangesPerPass)
    }

    /// Collects the instances of the apps evaluated from the pass's snapshot and runs the pure
    /// scheduler, both away from the actor (a 10,000-instance app's instances are copied here, not
    /// while API writes wait).
    nonisolated private static func decide(_ evaluation: Evaluation, with scheduler: Scheduler) async -> (SchedulerView, SchedulerDecisions) {
        var view = evaluation.view
        let state = evaluation.state
        for appId in evaluation.scope {
            for id in state.instanceIdsByApp[appId] ?? [] {
                guard let instance = state.instances[id], instance.isActive,
                      !state.isUnreachableInactive(instance, now: evaluation.now) else { continue }
                view.instances.append(instance)
            }
        }
        return (view, scheduler.decide(view))
    }

    /// The agents that take tasks, each with the ports other processes hold on its host.
    func agentsWithHostPorts() -> [AgentInfo] {
        state.agents.values.map { agent in
            guard let ports = hostPortsInUse[agent.id], ports != agent.portsInUse else { return agent }
            var updated = agent
            updated.portsInUse = ports
            return updated
        }
    }

    /// Definitions the scheduler should converge to now where they are not the apps' current ones:
    /// apps whose deployment step has not been reached yet keep their original definition (new apps
    /// wait with no instances). This is how deployment steps and dependencies order the work.
    func deploymentOverrides() -> [PathId: AppDefinition] {
        var overrides: [PathId: AppDefinition] = [:]
        for deployment in state.deployments.values {
            let current = max(deployment.currentStep, 1)
            guard current < deployment.steps.count else { continue }
            for step in deployment.steps[current...] {
                for action in step.actions {
                    if let original = deployment.original[action.app] {
                        overrides[action.app] = original
                    } else if var fresh = overrides[action.app] ?? state.apps[action.app] {
                        fresh.instances = 0
                        overrides[action.app] = fresh
                    }
                }
            }
        }
        return overrides
    }

    /// Marks instances for killing (durably), then tells their agents, in batches the store takes
    /// at once. Returns the instances marked.
    @discardableResult
    func decommission(_ kills: [KillDecision]) async throws -> [Instance] {
        var marked: [Instance] = []
        for batch in storeBatches(kills) {
            marked += try await decommissionBatch(Array(batch))
        }
        return marked
    }

    private func decommissionBatch(_ kills: [KillDecision]) async throws -> [Instance] {
        var ops: [StoreOperation] = []
        var updated: [Instance] = []
        for kill in kills {
            guard var instance = state.instances[kill.instanceId], instance.goal == .running else { continue }
            instance.goal = .decommissioned
            instance.message = kill.reason
            ops.append(.put(key: StateKeys.instance(instance.id), value: try StoredJSON.encode(instance)))
            updated.append(instance)
        }
        guard !updated.isEmpty else { return [] }
        do {
            try await store.transaction(ops)
        } catch {
            logger.error("kills not stored, retrying next pass: \(error)")
            throw ControlPlaneError(storeFailure: error)
        }
        let now = Timestamp.now()
        for instance in updated {
            // A newer status may have arrived while the write was in flight.
            if var latest = state.instances[instance.id] {
                latest.goal = .decommissioned
                latest.message = instance.message
                state.upsert(latest)
            }
            killSentAt[instance.id] = now
        }
        // Their apps are evaluated again (a killed instance is replaced unless its app scaled down).
        wake(apps: Set(updated.map(\.appId)))
        // Out of routing before the agent hears of the kill: in the catalog, and in the local
        // router's table (bounded, so that a stuck router cannot hold kills back). The wait does
        // not hold the write gate: the kills are stored, and are sent once the routers follow.
        publishCatalog()
        let index = catalog.snapshot.index
        let kills = updated.map { (agentId: $0.agentId, task: killTask($0, reason: $0.message ?? ""), appId: $0.appId) }
        let (routing, link, logger) = (routing, link, logger)
        Task {
            await routing.wait(forIndex: index, timeout: .seconds(1))
            for kill in kills {
                logger.info("killing instance", metadata: ["instance": "\(kill.task.instanceId)", "app": "\(kill.appId)", "reason": "\(kill.task.reason)"])
                link.send(.kill(kill.task), to: kill.agentId)
            }
        }
        return updated
    }

    /// `decommission`, whose failure to store the kills it has logged already: the next pass decides
    /// them again.
    func decommissionOrRetry(_ kills: [KillDecision]) async {
        do {
            try await decommission(kills)
        } catch {
            // Logged by `decommission`; nothing was marked, so nothing is lost.
        }
    }

    /// The store writes of new instance records, and the instances they persist: an instance whose
    /// record cannot be encoded is left out (and logged), so that it is never launched unrecorded.
    func launchRecords(_ instances: [Instance]) -> (operations: [StoreOperation], persisted: [Instance]) {
        var operations: [StoreOperation] = []
        var persisted: [Instance] = []
        for instance in instances {
            do {
                let data = try StoredJSON.encode(instance)
                operations.append(.put(key: StateKeys.instance(instance.id), value: data, expectedRevision: 0))
                persisted.append(instance)
            } catch {
                logger.error("instance record cannot be encoded; not launched", metadata: [
                    "instance": "\(instance.id)", "app": "\(instance.appId)", "error": "\(error)",
                ])
            }
        }
        return (operations, persisted)
    }

    /// Persists new instance records, then asks their agents to start them: only what was
    /// persisted, in batches the store takes at once.
    private func launch(_ decided: [Instance], apps: [PathId: AppDefinition]) async {
        for batch in storeBatches(decided) {
            guard await launchBatch(Array(batch), apps: apps) else { return }
        }
    }

    /// One batch of `launch`; false when it could not be stored (the next pass decides again).
    private func launchBatch(_ decided: [Instance], apps: [PathId: AppDefinition]) async -> Bool {
        let (ops, instances) = launchRecords(decided)
        guard !instances.isEmpty else { return true }
        do {
            try await store.transaction(ops)
        } catch {
            logger.error("launches not stored, retrying next pass: \(error)")
            return false
        }
        for instance in instances { state.upsert(instance) }
        metrics.tasksLaunched.increment(by: Int64(instances.count))
        for instance in instances {
            guard let app = apps[instance.appId], state.instances[instance.id]?.goal == .running else { continue }
            logger.debug("launching instance", metadata: ["instance": "\(instance.id)", "app": "\(instance.appId)", "agent": "\(instance.agentId)"])
            publishStatus(instance, message: "launched on \(instance.host)", timestamp: instance.stagedAt)
            link.send(.launch(LaunchTask(instance: instance, app: app, killGracePeriodSeconds: killGrace(for: instance.appId))),
                      to: instance.agentId)
        }
        return true
    }

    /// Kills whose confirmation has not arrived within the grace period plus a margin are sent again
    /// (commands are idempotent), so a kill lost in a restart is not lost forever.
    private func resendStaleKills(now: Timestamp) async {
        for instance in state.killing.compactMap({ state.instances[$0] }) {
            let grace = killGrace(for: instance.appId) + configuration.killDrainSeconds
            if let sent = killSentAt[instance.id], now.seconds(since: sent) < grace + 10 { continue }
            guard state.agents[instance.agentId] != nil else { continue }
            killSentAt[instance.id] = now
            link.send(.kill(killTask(instance, reason: instance.message ?? "killing")), to: instance.agentId)
        }
    }

    /// Instances on agents that have not come back within `agentReregistrationSeconds` of this
    /// control plane's start (or of their agent's last report) are gone: they are replaced rather
    /// than waited for forever.
    private func expireInstancesOfMissingAgents(now: Timestamp) {
        // Agents of a cluster may be cut off rather than gone: they become unreachable instead.
        if configuration.agentTimeoutSeconds != nil { return declareMissingAgentsUnreachable(now: now) }
        guard now.seconds(since: startedAt) >= configuration.agentReregistrationSeconds else { return }
        let missing = state.instanceIdsByAgent.keys.filter { state.agents[$0] == nil && pendingAgents[$0] == nil }
            .flatMap { (state.instanceIdsByAgent[$0] ?? []).sorted() }.compactMap { state.instances[$0] }
        for instance in missing {
            let status = TaskStatus(instanceId: instance.id, incarnation: instance.incarnation, state: .gone,
                                    message: "agent \(instance.agentId) did not re-register", timestamp: now)
            applyLocally(status, to: instance)
        }
    }

    /// The kill command for `instance`: drain, then SIGTERM, then SIGKILL after the app's grace period.
    func killTask(_ instance: Instance, reason: String) -> KillTask {
        KillTask(instanceId: instance.id, gracePeriodSeconds: killGrace(for: instance.appId),
                 drainSeconds: configuration.killDrainSeconds, reason: reason)
    }

    func killGrace(for appId: PathId) -> Double {
        if let seconds = state.apps[appId]?.taskKillGracePeriodSeconds { return Double(seconds) }
        return configuration.defaultKillGracePeriodSeconds
    }

    /// Moves every deployment through its steps as their actions complete; finished deployments are
    /// removed and announced.
    /// Only deployments of apps in `scope` are looked at unless `all`; the apps of a deployment that
    /// moves to another step join `scope`, since the definitions they converge to change.
    func advanceDeployments(now: Timestamp, scope: inout Set<PathId>, all: Bool) {
        for var deployment in state.deployments.values.sorted(by: { $0.version < $1.version }) where !isHeld(deployment) {
            guard all || deployment.affectedApps.contains(where: scope.contains) else { continue }
            var changed = false
            if deployment.currentStep == 0 {
                deployment.currentStep = 1
                changed = true
                if let first = deployment.steps.first {
                    events.publish(DeploymentStepEvent(eventType: "deployment_info", deployment: deployment, step: first))
                }
            }
            var stepsDone = false
            while deployment.currentStep <= deployment.steps.count {
                let step = deployment.steps[deployment.currentStep - 1]
                let done = step.actions.allSatisfy { action in
                    let counts = state.progressCounts[action.app] ?? ProgressCounts()
                    guard counts.hasUnreachable else {
                        return DeploymentPlanner.isActionComplete(action, app: state.apps[action.app], counts: counts)
                    }
                    // Whether an unreachable instance still counts depends on the time: look at each.
                    return DeploymentPlanner.isActionComplete(action, app: state.apps[action.app],
                                                              instances: state.lazyInstances(of: action.app).lazy.filter { [state] in
                                                                  !state.isUnreachableInactive($0, now: now)
                                                              })
                }
                guard done else { break }
                events.publish(DeploymentStepEvent(eventType: "deployment_step_success", deployment: deployment, step: step))
                for action in step.actions where action.action == .stopApplication {
                    events.publish(AppTerminatedEvent(appId: action.app))
                }
                deployment.currentStep += 1
                changed = true
                stepsDone = true
                if deployment.currentStep <= deployment.steps.count {
                    events.publish(DeploymentStepEvent(eventType: "deployment_info", deployment: deployment,
                                                       step: deployment.steps[deployment.currentStep - 1]))
                }
            }
            if stepsDone {
                deployment.lastProgressAt = now
                deployment.bestProgress = nil
                deployment.failuresSinceProgress = nil
                deployment.lastFailure = nil
            }
            if trackProgress(of: &deployment, now: now) { changed = true }
            guard changed else { continue }
            if stepsDone { scope.formUnion(deployment.affectedApps) }
            if deployment.currentStep > deployment.steps.count {
                state.deployments[deployment.id] = nil
                logger.info("deployment finished", metadata: ["deployment": "\(deployment.id)"])
                publishResult(DeploymentResultEvent(deployment: deployment))
            } else {
                state.deployments[deployment.id] = deployment
            }
            dirtyDeployments.insert(deployment.id)
        }
    }

    /// Whether `deployment` touches a quarantined app: it then waits, neither advanced nor failed
    /// (nor rolled back), until the app is repaired or the deployment is canceled.
    func isHeld(_ deployment: Deployment) -> Bool {
        !state.quarantine.apps.isEmpty && deployment.affectedApps.contains { state.quarantine.apps[$0] != nil }
    }

    /// Whether a resync tick marks every app this time. Up to 10,000 instances, every tick
    /// (`resyncIntervalSeconds`); beyond, the period grows with the instance count (100,000: ten
    /// ticks), so that the safety net — whose work grows with the instances — takes a bounded share
    /// of a core rather than competing with API reads and writes at every tick. Ticks in between
    /// still run a pass: deployment deadlines, unreachable agents and unconfirmed kills are looked
    /// at every pass.
    func isFullResyncDue() -> Bool {
        guard let last = lastFullResync else { return true }
        let period = configuration.resyncIntervalSeconds * max(1, Double(state.instances.count) / 10_000)
        return ContinuousClock.now - last >= .milliseconds(Int64(period * 1000) - 50)
    }

    /// Schedules a pass for the moment the earliest launch delay among `waiting` runs out, so that
    /// a delayed replacement starts then rather than at the next resync.
    private func wakeWhenBackoffEnds(_ waiting: [QueueEntry]) {
        let ends = waiting.compactMap { entry -> Timestamp? in
            if case let .backoff(until) = entry.reason { return until }
            return nil
        }
        guard let earliest = ends.min() else { return }
        if let pending = backoffWake, pending.at <= earliest, pending.at > Timestamp.now() { return }
        backoffWake?.task.cancel()
        let delay = max(0, earliest.millis - Timestamp.now().millis) + 1
        let task = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(delay))
            guard !Task.isCancelled else { return }
            await self?.wakeDelayedApps()
        }
        backoffWake = (earliest, task)
    }

    /// A launch delay ran out: the apps waiting for theirs are evaluated.
    private func wakeDelayedApps() {
        wake(apps: state.queue.values.compactMap { entry in
            if case .backoff = entry.reason { return entry.appId }
            return nil
        })
    }

    /// Forgets the launch delay of apps that have gone long enough without a failure.
    private func resetStableBackoffs(now: Timestamp) {
        for (appId, var backoff) in state.backoff where backoff.resetIfStable(now: now) {
            state.backoff[appId] = nil
        }
    }

    /// Writes batched status changes, expunged instances and deployment progress (in as few
    /// transactions as the store allows): all of them, or with `limit` at most that many instance
    /// records of each kind, the rest being left for the next call (a pass asks for another pass
    /// while some are left).
    func flush(limit: Int? = nil) async throws {
        guard !dirtyInstances.isEmpty || !expungedInstances.isEmpty || !dirtyDeployments.isEmpty
            || !dirtyFailures.isEmpty else { return }
        let instances = Self.take(&dirtyInstances, limit: limit)
        let expunged = Self.take(&expungedInstances, limit: limit)
        let (deployments, failures) = (dirtyDeployments, dirtyFailures)
        dirtyDeployments = []
        dirtyFailures = []
        do {
            var ops: [StoreOperation] = []
            for id in instances {
                if let instance = state.instances[id] {
                    ops.append(.put(key: StateKeys.instance(id), value: try StoredJSON.encode(instance)))
                }
            }
            for id in expunged { ops.append(.delete(key: StateKeys.instance(id))) }
            for id in deployments {
                if let deployment = state.deployments[id] {
                    ops.append(.put(key: StateKeys.deployment(id), value: try StoredJSON.encode(StoredDeployment(deployment))))
                } else {
                    ops.append(.delete(key: StateKeys.deployment(id)))
                }
            }
            for id in failures {
                if let failure = state.lastTaskFailures[id] {
                    ops.append(.put(key: StateKeys.failure(id), value: try StoredJSON.encode(failure)))
                }
            }
            try await commitIndependent(ops)
        } catch {
            dirtyInstances.formUnion(instances)
            expungedInstances.formUnion(expunged)
            dirtyDeployments.formUnion(deployments)
            dirtyFailures.formUnion(failures)
            throw error
        }
    }

    /// Removes and returns up to `limit` members of `set` (all without a limit).
    private static func take(_ set: inout Set<String>, limit: Int?) -> Set<String> {
        guard let limit, set.count > limit else {
            defer { set = [] }
            return set
        }
        var taken = Set<String>(minimumCapacity: limit)
        for id in set.prefix(limit) { taken.insert(id) }
        set.subtract(taken)
        return taken
    }

    /// Whether status records are waiting to be written.
    var hasUnflushedChanges: Bool { !dirtyInstances.isEmpty || !expungedInstances.isEmpty }

    func flushQuietly(limit: Int? = nil) async {
        do {
            try await flush(limit: limit)
            flushFailed = false
        } catch {
            flushFailed = true
            logger.error("state flush failed, will retry: \(error)")
        }
    }
}

import Foundation
import WharfModel
import WharfScheduler
import WharfStore

/// What killing tasks through the API produced.
public enum KillOutcome: Sendable {
    /// The instances were told to stop; they will be replaced (no `scale`).
    case killed([Instance])
    /// `scale=true`: a deployment lowering the instance count and killing exactly these instances.
    case deployment(DeploymentResult)
}

extension ControlPlane {
    /// Applies a change to apps and groups as one deployment: assigns versions and service ports,
    /// plans the steps, checks conflicts with running deployments, persists everything in one
    /// transaction and only then makes it visible. Throws `ControlPlaneError`.
    public func deploy(_ request: DeployRequest) async throws -> DeploymentResult {
        try await serialized { try await deployLocked(request) }
    }

    /// `deploy` for callers that already hold the write gate.
    func deployLocked(_ request: DeployRequest) async throws -> DeploymentResult {
        for id in request.mustNotExist where state.apps[id] != nil {
            throw ControlPlaneError.appAlreadyExists(id)
        }
        for (id, version) in request.expectedVersions where state.apps[id]?.version != version {
            throw ControlPlaneError.concurrentModification(id)
        }
        let lifted = Set(request.apps.keys).union(request.restart).filter { state.quarantine.apps[$0] != nil }.sorted()
        if let held = lifted.first, !request.liftsQuarantine {
            throw ControlPlaneError.quarantined(held, explanation: state.quarantine.explanation(for: held) ?? "")
        }
        let now = nextVersion()
        var original: [PathId: AppDefinition] = [:]
        var target: [PathId: AppDefinition] = [:]
        var removed: [PathId] = []

        for (id, proposed) in request.apps {
            let current = state.apps[id]
            if let current { original[id] = current }
            guard var next = proposed else {
                if current != nil || lifted.contains(id) { removed.append(id) }
                continue
            }
            next.id = id
            target[id] = request.restoresOriginal
                ? restore(next, replacing: current, now: now)
                : stamp(next, replacing: current, restart: request.restart.contains(id), now: now)
        }
        for id in request.restart where request.apps[id] == nil {
            guard let current = state.apps[id] else { throw ControlPlaneError.unknownApp(id) }
            original[id] = current
            target[id] = stamp(current, replacing: current, restart: true, now: now)
        }
        try assignServicePorts(&target)

        let changed = target.filter { original[$0.key] != $0.value }
        var steps = DeploymentPlanner.steps(
            original: original.filter { changed[$0.key] != nil || removed.contains($0.key) },
            target: changed)
        ensureRestartActions(&steps, for: request.restart)
        let affected = Set(steps.flatMap { $0.actions.map(\.app) })

        let conflicting = state.deployments.values.filter {
            !affected.isDisjoint(with: $0.affectedApps) || $0.id == request.replacesDeployment
        }
        if !conflicting.isEmpty && !request.force {
            throw ControlPlaneError.appLocked(deploymentIds: conflicting.map(\.id).sorted())
        }
        if !steps.isEmpty, state.deployments.count - conflicting.count >= configuration.maxRunningDeployments {
            throw ControlPlaneError.tooManyDeployments(limit: configuration.maxRunningDeployments)
        }

        var deployment = Deployment(
            id: UUID().uuidString.lowercased(), version: now, steps: steps, currentStep: 0,
            original: original.filter { affected.contains($0.key) },
            target: target.filter { affected.contains($0.key) },
            instancesToKill: request.instancesToKill)
        if request.restoresOriginal { deployment.isRollback = true }

        // One transaction: new app records and versions, removals, the deployment, cancelled ones.
        var ops: [StoreOperation] = []
        var newVersions = versions
        do {
            // Forced over a quarantine: the apps' unreadable records and kept versions go first; the
            // app records themselves are rewritten or deleted below.
            for id in lifted {
                ops.append(.deletePrefix(StateKeys.versions(of: id)))
                newVersions[id] = []
                for key in state.quarantine.apps[id] ?? [] where key != StateKeys.app(id) && Quarantine.isStoreKey(key) {
                    ops.append(.delete(key: key))
                }
            }
            for (id, app) in changed {
                var kept = [app.version!] + (newVersions[id] ?? []).filter { $0 != app.version! }
                if kept.count > configuration.maxVersionsPerApp {
                    for old in kept[configuration.maxVersionsPerApp...] {
                        ops.append(.delete(key: StateKeys.version(id, old)))
                    }
                    kept = Array(kept.prefix(configuration.maxVersionsPerApp))
                }
                newVersions[id] = kept
                ops.append(.put(key: StateKeys.app(id), value: try StoredJSON.encode(StoredApp(app, versions: kept))))
                ops.append(.put(key: StateKeys.version(id, app.version!), value: try StoredJSON.encode(StoredApp(app))))
            }
            for id in removed {
                newVersions[id] = nil
                ops.append(.delete(key: StateKeys.app(id)))
                ops.append(.deletePrefix(StateKeys.versions(of: id)))
                ops.append(.delete(key: StateKeys.failure(id)))
            }
            for (id, group) in request.groups {
                if let group {
                    ops.append(.put(key: StateKeys.group(id), value: try StoredJSON.encode(group)))
                } else {
                    ops.append(.delete(key: StateKeys.group(id)))
                }
            }
            if !steps.isEmpty {
                ops.append(.put(key: StateKeys.deployment(deployment.id), value: try StoredJSON.encode(StoredDeployment(deployment))))
            }
            for d in conflicting { ops.append(.delete(key: StateKeys.deployment(d.id))) }
            ops.append(.put(key: StateKeys.rootVersion, value: try StoredJSON.encode(StoredRootVersion(now))))
            try await commitChange(ops)
        } catch let error as ControlPlaneError {
            if case .store = error { logger.error("deployment not stored: \(error)") }
            throw error
        } catch {
            logger.error("deployment not stored: \(error)")
            throw ControlPlaneError(storeFailure: error)
        }

        // Durable: now visible.
        versions = newVersions
        for (id, app) in changed {
            state.setApp(id, app)
            state.catalogChanges.insert(id)
        }
        for id in removed {
            state.setApp(id, nil)
            state.catalogChanges.insert(id)
            state.backoff[id] = nil
            state.queue[id] = nil
            state.launchStatistics[id] = nil
            state.lastTaskFailures[id] = nil
        }
        for (id, group) in request.groups { state.groups[id] = group ?? nil }
        if !lifted.isEmpty { await liftQuarantine(of: lifted) }
        for d in conflicting {
            state.deployments[d.id] = nil
            dirtyDeployments.remove(d.id)
            let reason = d.id == request.replacesDeployment ? request.replacedReason : nil
            publishResult(DeploymentResultEvent(deployment: d, failureReason: reason ?? "canceled by deployment \(deployment.id)"))
        }
        if !steps.isEmpty { state.deployments[deployment.id] = deployment }
        state.rootVersion = now
        for (id, app) in changed where original[id]?.versionInfo?.lastConfigChangeAt != app.versionInfo?.lastConfigChangeAt {
            state.backoff[id] = nil // a new configuration starts without launch delay
        }
        events.publish(GroupChangeEvent(groupId: .root, version: now))
        publishCatalog()
        wake(apps: affected.union(changed.keys).union(removed).union(lifted).union(conflicting.flatMap(\.affectedApps)))
        return DeploymentResult(deploymentId: deployment.id, version: now, apps: target)
    }

    /// Forgets the quarantine of `apps`, whose unreadable records a forced change just deleted. Tasks
    /// of unreadable instance records are no longer spared: agents are asked to report again, so that
    /// tasks the control plane does not know are stopped, as always.
    private func liftQuarantine(of apps: [PathId]) async {
        let keys = Set(apps.flatMap { state.quarantine.apps[$0] ?? [] })
        let spared = state.quarantine.instanceIds.count
        state.quarantine.forget(keys)
        for app in apps {
            state.catalogChanges.insert(app)
            logger.warning("quarantine lifted by a forced change; unreadable records deleted", metadata: [
                "app": "\(app)", "keys": "\(keys.sorted())",
            ])
        }
        guard state.quarantine.instanceIds.count < spared else { return }
        for agent in state.agents.keys.sorted() { link.send(.reconcile, to: agent) }
    }

    /// Kills instances. Without `scale` they are replaced as usual; with `scale` their apps' instance
    /// counts are lowered by a deployment that kills exactly them.
    public func killInstances(_ ids: [String], scale: Bool, force: Bool) async throws -> KillOutcome {
        try await serialized { try await killInstancesLocked(ids, scale: scale, force: force) }
    }

    private func killInstancesLocked(_ ids: [String], scale: Bool, force: Bool) async throws -> KillOutcome {
        var seen: Set<String> = []
        let found = ids.compactMap { state.instances[$0] ?? state.instances[Instance.instanceId(fromTaskId: $0)] }
            .filter { seen.insert($0.id).inserted }
        if scale {
            var apps: [PathId: AppDefinition?] = [:]
            for (appId, instances) in Dictionary(grouping: found, by: \.appId) {
                guard var app = state.apps[appId] else { continue }
                let alive = instances.filter { $0.goal == .running }.count
                app.instances = max(0, app.instances - alive)
                apps[appId] = app
            }
            let result = try await deployLocked(DeployRequest(apps: apps, force: force, instancesToKill: found.map(\.id)))
            // Killed now rather than at the next pass, so that they are out of routing by the time
            // the caller hears back (the deployment retries a kill that fails to store).
            await decommissionOrRetry(found.map { KillDecision(instanceId: $0.id, reason: "killed and scaled down through the API") })
            return .deployment(result)
        }
        let killed = try await decommission(found.map { KillDecision(instanceId: $0.id, reason: "killed through the API") })
        return .killed(killed)
    }

    /// Stops a deployment. `force`: just forget it (202). Otherwise revert: a new deployment that
    /// restores every affected app to its definition before the deployment, forced over it.
    public func cancelDeployment(_ id: String, force: Bool) async throws -> DeploymentResult? {
        try await serialized { try await cancelDeploymentLocked(id, force: force) }
    }

    private func cancelDeploymentLocked(_ id: String, force: Bool) async throws -> DeploymentResult? {
        guard let deployment = state.deployments[id] else { throw ControlPlaneError.unknownDeployment(id) }
        if force {
            do {
                try await store.delete(StateKeys.deployment(id))
            } catch {
                throw ControlPlaneError(storeFailure: error)
            }
            state.deployments[id] = nil
            publishResult(DeploymentResultEvent(deployment: deployment, failureReason: "canceled by the user (force)"))
            // Apps of steps it had not reached go to their target definitions now.
            wake(apps: deployment.affectedApps)
            return nil
        }
        var revert = revertRequest(for: deployment)
        revert.replacedReason = "canceled by the user (reverted)"
        return try await deployLocked(revert)
    }

    /// Sets a new version on `next`: unchanged definitions keep theirs; scale-only (and
    /// deployment-policy-only) changes move `lastScalingAt`; anything else (or a forced restart) is a
    /// new configuration.
    func stamp(_ next: AppDefinition, replacing current: AppDefinition?, restart: Bool, now: Timestamp) -> AppDefinition {
        var app = next
        guard let current, let currentInfo = current.versionInfo else {
            app.version = now
            app.versionInfo = VersionInfo(lastScalingAt: now, lastConfigChangeAt: now)
            return app
        }
        carryServicePorts(into: &app, from: current)
        var comparable = app
        comparable.version = current.version
        comparable.versionInfo = current.versionInfo
        if comparable == current && !restart { return current }
        app.version = now
        if !restart && !app.needsRestart(from: current) {
            app.versionInfo = VersionInfo(lastScalingAt: now, lastConfigChangeAt: currentInfo.lastConfigChangeAt)
        } else {
            app.versionInfo = VersionInfo(lastScalingAt: now, lastConfigChangeAt: now)
        }
        return app
    }

    /// Sets a new version on `previous`, an earlier definition being restored, keeping its
    /// configuration version (`lastConfigChangeAt`) so that its instances count as current.
    func restore(_ previous: AppDefinition, replacing current: AppDefinition?, now: Timestamp) -> AppDefinition {
        guard current != nil, let info = previous.versionInfo else {
            return stamp(previous, replacing: current, restart: false, now: now)
        }
        var app = previous
        app.version = now
        app.versionInfo = VersionInfo(lastScalingAt: now, lastConfigChangeAt: info.lastConfigChangeAt)
        return app
    }

    /// Keeps service ports already assigned when an update asks for `0` (dynamic) at the same index.
    private func carryServicePorts(into app: inout AppDefinition, from current: AppDefinition) {
        for i in app.portDefinitions.indices where app.portDefinitions[i].port == 0 && i < current.portDefinitions.count {
            app.portDefinitions[i].port = current.portDefinitions[i].port
        }
        if var mappings = app.container?.portMappings, let old = current.container?.portMappings {
            for i in mappings.indices where mappings[i].servicePort == 0 && i < old.count {
                mappings[i].servicePort = old[i].servicePort
            }
            app.container?.portMappings = mappings
        }
    }

    private func assignServicePorts(_ target: inout [PathId: AppDefinition]) throws {
        let range = configuration.servicePorts.begin...configuration.servicePorts.end
        // Ports something else holds where routers listen (another `wharf dev`'s router, a database),
        // as every agent last reported them (registered or still reconciling).
        let heldElsewhere = Set(hostPortsInUse.values.joined().filter(range.contains))
        do {
            // Only the changed apps' own definitions are handed over; the ports every other app
            // holds come from the index (O(changed apps), not O(all apps)).
            let assigned = try ServicePortAssigner.assign(Array(target.values), original: target.keys.compactMap { state.apps[$0] },
                                                          range: range, unavailable: heldElsewhere,
                                                          isHeld: { [users = state.servicePortUsers] in users[$0] != nil })
            // Filling in dynamic service ports does not make a new configuration: versions stay.
            for app in assigned { target[app.id] = app }
        } catch {
            throw ControlPlaneError.unprocessable("\(error)")
        }
    }

    /// A forced restart must restart even when the planner saw no configuration difference.
    private func ensureRestartActions(_ steps: inout [DeploymentStep], for restart: Set<PathId>) {
        for id in restart {
            var found = false
            for s in steps.indices {
                for a in steps[s].actions.indices where steps[s].actions[a].app == id {
                    steps[s].actions[a].action = .restartApplication
                    found = true
                }
            }
            if !found { steps.append(DeploymentStep(actions: [DeploymentAction(action: .restartApplication, app: id)])) }
        }
    }
}

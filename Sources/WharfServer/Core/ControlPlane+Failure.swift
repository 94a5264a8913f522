import WharfModel
import WharfScheduler

extension ControlPlane {
    /// Counts a failure (crash, health-check kill) of `instance` against every running deployment
    /// that started it: its app is in the deployment's current step, it runs the target
    /// configuration and it was staged after the deployment began (older instances that happen to
    /// share the configuration, as in a scale or a rollback, are not the deployment's doing).
    func noteNewInstanceFailure(_ instance: Instance, message: String) {
        for var deployment in state.deployments.values {
            guard deployment.currentActions.contains(where: { $0.app == instance.appId }),
                  let target = deployment.target[instance.appId],
                  Scheduler.configVersion(of: target) == instance.configVersion,
                  instance.stagedAt >= deployment.version else { continue }
            deployment.failuresSinceProgress = (deployment.failuresSinceProgress ?? 0) + 1
            deployment.lastFailure = "\(instance.taskId): \(message)"
            state.deployments[deployment.id] = deployment
            dirtyDeployments.insert(deployment.id)
        }
    }

    /// Records progress of the current step of `deployment`: the step's progress measure reaching a
    /// new best moves `lastProgressAt` and forgets earlier failures.
    func trackProgress(of deployment: inout Deployment, now: Timestamp) -> Bool {
        guard deployment.currentStep >= 1, deployment.currentStep <= deployment.steps.count else { return false }
        let progress = deployment.steps[deployment.currentStep - 1].actions.reduce(0) { sum, action in
            sum + DeploymentPlanner.progress(action, app: state.apps[action.app], counts: state.progressCounts[action.app] ?? ProgressCounts())
        }
        guard let best = deployment.bestProgress else {
            deployment.bestProgress = progress
            return true
        }
        guard progress > best else { return false }
        deployment.bestProgress = progress
        deployment.lastProgressAt = now
        deployment.failuresSinceProgress = nil
        deployment.lastFailure = nil
        return true
    }

    /// Fails deployments whose new instances keep failing or that made no progress within their
    /// deadline, and rolls them back unless their apps opted out (`autoRollback: false`) or they are
    /// themselves rollbacks.
    func failStalledDeployments(now: Timestamp) async {
        for deployment in state.deployments.values.sorted(by: { $0.version < $1.version }) where !isHeld(deployment) {
            guard deployment.currentStep >= 1, deployment.currentStep <= deployment.steps.count else { continue }
            let apps = deployment.currentActions.map(\.app)
            let reason: String
            if let failures = deployment.failuresSinceProgress, failures >= configuration.deploymentMaxTaskFailures {
                reason = "\(failures) new instances of \(apps.map(\.description).joined(separator: ", ")) failed "
                    + "without one becoming healthy and ready; last: \(deployment.lastFailure ?? "unknown")"
            } else {
                let deadline = progressDeadline(of: deployment)
                // Time this control plane was not running is not the deployment's fault.
                let since = max(deployment.lastProgressAt ?? deployment.version, startedAt)
                guard now.seconds(since: since) >= deadline else { continue }
                reason = "no progress for \(Int(deadline)) s in step \(deployment.currentStep) of \(deployment.steps.count) ("
                    + deployment.currentActions.map { "\($0.action.rawValue) \($0.app)" }.joined(separator: ", ") + ")"
                    + (deployment.lastFailure.map { "; last failure: \($0)" } ?? "")
            }
            await failDeployment(deployment, reason: reason)
        }
    }

    /// Seconds the current step of `deployment` may go without progress: the smallest
    /// `progressDeadlineSeconds` its apps set, else the server's `--deployment-deadline`, else
    /// 600 s stretched where an app legitimately needs longer to show progress (a health-check grace
    /// period and the failures that must follow it, a kill grace period).
    func progressDeadline(of deployment: Deployment) -> Double {
        let apps = deployment.currentActions.compactMap { deployment.target[$0.app] ?? deployment.original[$0.app] }
        if let explicit = apps.compactMap(\.progressDeadlineSeconds).min() { return Double(explicit) }
        if let configured = configuration.deploymentProgressDeadlineSeconds { return configured }
        var deadline = Self.defaultProgressDeadlineSeconds
        for app in apps {
            for check in app.healthChecks {
                let patience = Double(check.gracePeriodSeconds)
                    + Double(check.intervalSeconds) * Double(max(1, check.maxConsecutiveFailures) + 1)
                deadline = max(deadline, patience)
            }
            deadline = max(deadline, killGrace(for: app.id) + configuration.killDrainSeconds + 10)
        }
        return deadline
    }

    /// The progress deadline when neither the app nor the server sets one.
    static let defaultProgressDeadlineSeconds = 600.0

    /// Ends `deployment` as failed (`deployment_failed` with `reason`) and, when allowed, replaces it
    /// by a rollback to the definitions it started from. Old instances of those definitions are still
    /// there (rolling upgrades keep them until new ones serve), so the rollback keeps them and only
    /// removes what the failed deployment started.
    func failDeployment(_ deployment: Deployment, reason: String) async {
        logger.warning("deployment failed", metadata: ["deployment": "\(deployment.id)", "reason": "\(reason)"])
        if deployment.currentStep >= 1, deployment.currentStep <= deployment.steps.count {
            events.publish(DeploymentStepEvent(eventType: "deployment_step_failure", deployment: deployment,
                                               step: deployment.steps[deployment.currentStep - 1]))
        }
        // Only changed apps are rolled back: an app the deployment created or removed stays as the
        // user asked (Wharf never deletes or resurrects an app on its own).
        let changed = deployment.affectedApps.filter { deployment.original[$0] != nil && deployment.target[$0] != nil }
        let rollback = deployment.isRollback != true && !changed.isEmpty
            && changed.allSatisfy { deployment.target[$0]?.autoRollback != false }
        if rollback {
            var revert = revertRequest(for: deployment, apps: changed)
            revert.replacedReason = reason
            do {
                let result = try await deployLocked(revert)
                logger.info("rolling back", metadata: ["deployment": "\(deployment.id)", "rollback": "\(result.deploymentId)"])
                return
            } catch {
                logger.error("rollback not started, failing without it: \(error)")
            }
        }
        do {
            try await store.delete(StateKeys.deployment(deployment.id))
        } catch {
            logger.error("failed deployment not removed, retrying next pass: \(error)")
            return
        }
        state.deployments[deployment.id] = nil
        dirtyDeployments.remove(deployment.id)
        publishResult(DeploymentResultEvent(deployment: deployment, failureReason: reason))
    }

    /// A deployment that restores the apps `deployment` affects (or only `affected`) to their
    /// definitions before it —
    /// keeping that definition's configuration version, so that its surviving instances stay — and
    /// replaces `deployment`.
    func revertRequest(for deployment: Deployment, apps affected: [PathId]? = nil) -> DeployRequest {
        var apps: [PathId: AppDefinition?] = [:]
        for appId in affected ?? deployment.affectedApps {
            apps[appId] = .some(deployment.original[appId])
        }
        var revert = DeployRequest(apps: apps, force: true)
        revert.replacesDeployment = deployment.id
        revert.restoresOriginal = true
        return revert
    }
}

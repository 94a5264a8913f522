import WharfModel
import WharfScheduler

extension ControlPlane {
    /// Takes over the health an agent reported with a status and announces what changed:
    /// `health_status_changed_event` and `instance_health_changed_event` when the instance's health
    /// flips, `failed_health_check_event` per check whose failure count grew. A running status
    /// without health means the instance's app has no checks. Results the agent does not know yet (after its restart) keep their last value.
    func applyHealth(_ status: TaskStatus, to instance: inout Instance) {
        guard var health = status.health else {
            if status.state == .running {
                instance.health = nil
                instance.healthy = nil
            }
            return
        }
        let before = instance.health
        let wasHealthy = instance.healthy
        // A restarted agent re-runs the checks of re-adopted tasks and reports them unknown until
        // they complete: keep the last known results meanwhile rather than flapping to unknown.
        if let before, before.results.count == health.results.count {
            for index in health.results.indices where health.results[index] == nil {
                health.results[index] = before.results[index]
            }
        }
        // Readiness is a one-time gate: once ready, an instance stays ready.
        if let before, before.readiness.count == health.readiness.count {
            for index in health.readiness.indices where before.readiness[index].ready {
                health.readiness[index] = before.readiness[index]
            }
        }
        instance.health = health
        instance.healthy = health.healthy
        guard status.state == .running else { return }

        if let alive = health.healthy, alive != wasHealthy {
            events.publish(HealthStatusChangedEvent(instance: instance, alive: alive, timestamp: status.timestamp))
            events.publish(InstanceHealthChangedEvent(instance: instance, healthy: alive, timestamp: status.timestamp))
        }
        let checks = definition(of: instance)?.healthChecks ?? []
        for (index, result) in health.results.enumerated() {
            guard let result, !result.alive, index < checks.count else { continue }
            let previous = before.flatMap { index < $0.results.count ? $0.results[index] : nil }
            if result.consecutiveFailures > (previous?.consecutiveFailures ?? 0) {
                events.publish(FailedHealthCheckEvent(instance: instance, healthCheck: checks[index], timestamp: status.timestamp))
            }
        }
    }

    /// The definition `instance` was launched with, as far as it is still at hand: the current one,
    /// or one a running deployment started from or goes to.
    func definition(of instance: Instance) -> AppDefinition? {
        let current = state.apps[instance.appId]
        if let current, Scheduler.configVersion(of: current) == instance.configVersion { return current }
        for deployment in state.deployments.values {
            for app in [deployment.original[instance.appId], deployment.target[instance.appId]] {
                if let app, Scheduler.configVersion(of: app) == instance.configVersion { return app }
            }
        }
        return current
    }

    /// Kills instances whose health checks failed `maxConsecutiveFailures` times in a row (the agent
    /// says so with `killReason`): announced with `unhealthy_instance_kill_event`, recorded as the
    /// app's `lastTaskFailure`, counted against a deployment that started them. The scheduler
    /// replaces them. Instances of quarantined apps are not killed: nothing would replace them.
    func killUnhealthyInstances(of apps: Set<PathId>, now: Timestamp) async {
        var kills: [KillDecision] = []
        for instance in state.failingChecks.sorted().compactMap({ state.instances[$0] }) where apps.contains(instance.appId) {
            guard let reason = instance.health?.killReason, state.quarantine.apps[instance.appId] == nil else { continue }
            kills.append(KillDecision(instanceId: instance.id, reason: reason))
        }
        guard !kills.isEmpty else { return }
        let killed: [Instance]
        do {
            killed = try await decommission(kills)
        } catch {
            return // logged by `decommission`; the checks still ask for the kill at the next pass
        }
        // A task that ended while the kills were being stored has been settled already.
        for instance in killed where state.instances[instance.id] != nil {
            let reason = instance.message ?? "health check failed"
            logger.warning("killing unhealthy instance", metadata: ["instance": "\(instance.id)", "reason": "\(reason)"])
            events.publish(UnhealthyInstanceKillEvent(instance: instance, reason: reason))
            state.lastTaskFailures[instance.appId] = TaskFailure(
                appId: instance.appId, host: instance.host, message: reason, state: .killed, taskId: instance.taskId,
                timestamp: now, version: instance.appVersion, slaveId: instance.agentId)
            dirtyFailures.insert(instance.appId)
            noteNewInstanceFailure(instance, message: reason)
        }
    }
}

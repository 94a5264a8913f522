import WharfModel

extension Agent {
    /// Starts the health and readiness checks of a task that was just reported RUNNING (started or
    /// re-adopted); does nothing when its app has none.
    func startChecks(_ instanceId: String) {
        guard let task = tasks[instanceId], task.monitor == nil, task.phase == .running, task.kill == nil,
              let checks = task.checks, let handle = task.handle, let startedAt = task.startedAt
        else { return }
        let taskId = task.taskId
        let target = HealthMonitor.Target(
            checks: checks, sandbox: handle.sandbox, cgroups: handle.cgroups, startedAt: startedAt,
            runCommand: containerCheckRunner(handle))
        tasks[instanceId]?.monitor = HealthMonitor(target: target, http: httpProbe, logger: logger) { [weak self] update in
            await self?.healthChanged(instanceId, taskId: taskId, update)
        }
    }

    /// Stops the checks of a task (it is being killed, has ended, or a check gave up on it).
    func stopChecks(_ instanceId: String) {
        tasks[instanceId]?.monitor?.cancel()
        tasks[instanceId]?.monitor = nil
    }

    /// Applies a check's change to the task's health and reports the task's status again (same
    /// state, new health, stamped with the time of the change). Ignored once the task is no longer RUNNING.
    func healthChanged(_ instanceId: String, taskId: String, _ update: HealthMonitor.Update) {
        guard !isShutDown, var task = tasks[instanceId], task.taskId == taskId, task.phase == .running,
              task.status.state == .running, var health = task.health
        else { return }
        var metadata = task.logMetadata
        switch update {
        case .health(let index, let result, let killReason):
            guard health.results.indices.contains(index) else { return }
            health.results[index] = result
            metadata["check"] = "\(index)"
            metadata["alive"] = "\(result.alive)"
            if let cause = result.lastFailureCause, !result.alive { metadata["cause"] = "\(cause)" }
            if let killReason, health.killReason == nil {
                health.killReason = killReason
                logger.warning("task failed its health check too often", metadata: metadata)
            }
        case .readiness(let index, let result):
            guard health.readiness.indices.contains(index) else { return }
            health.readiness[index] = result
            metadata["readinessCheck"] = "\(result.name)"
            metadata["ready"] = "\(result.ready)"
        }
        guard health != task.health else { return }
        task.health = health
        task.status.health = health
        tasks[instanceId] = task
        logger.info("task health changed", metadata: metadata)
        // Stamped now: the status's own timestamp is when the task reached its state.
        var update = task.status
        update.timestamp = .now()
        report(update)
        if health.killReason != nil { stopChecks(instanceId) }
    }
}

import WharfModel

extension Agent {
    /// Adopts the tasks recorded by an earlier agent process that are still alive, settles those
    /// that ended while no agent watched them, then announces the agent.
    func recover() async {
        await connectRuntimes()
        logger.info("agent starting", metadata: [
            "isolation": "\(info.isolation)", "dataDir": "\(configuration.dataDir)",
        ])
        var endedMeanwhile: [TaskStatus] = []
        var adopted: [String] = []
        for record in await store.loadAll(logger: logger) {
            var task = ManagedTask(
                instanceId: record.instanceId, incarnation: record.incarnation, taskId: record.taskId,
                appId: record.appId, appVersion: record.appVersion, runtimeName: record.handle.runtime,
                phase: .running,
                status: TaskStatus(instanceId: record.instanceId, incarnation: record.incarnation, state: .running,
                                   message: "re-adopted after agent restart (\(Self.startedDetail(record.handle)))",
                                   timestamp: .now(), health: record.checks?.initialHealth),
                handle: record.handle, killGracePeriodSeconds: record.killGracePeriodSeconds,
                startedAt: record.startedAt, kill: record.kill, checks: record.checks,
                health: record.checks?.initialHealth)
            let runtime = runtimes[record.handle.runtime]
            if let runtime, await runtime.adopt(record.handle) {
                tasks[record.instanceId] = task
                logger.info("task re-adopted", metadata: task.logMetadata)
                if var kill = record.kill {
                    task.status.state = .killing
                    tasks[record.instanceId] = task
                    // The drain (if any) happened, at least in part, before the restart.
                    kill.drainSeconds = nil
                    await stopRunningTask(record.instanceId, kill: kill, runtime: runtime)
                } else {
                    adopted.append(record.instanceId)
                }
                continue
            }
            task.phase = .ended
            task.endedAt = .now()
            task.status = TaskStatus(
                instanceId: record.instanceId, incarnation: record.incarnation,
                state: record.kill == nil ? .failed : .killed,
                message: runtime == nil
                    ? "agent has no \(record.handle.runtime) runtime to adopt the task after a restart"
                    : record.kill.map { "\($0.reason) (process exited while the agent was down)" }
                        ?? "process exited while the agent was down",
                timestamp: task.endedAt!)
            tasks[record.instanceId] = task
            endedMeanwhile.append(task.status)
            logger.warning("task ended while the agent was down", metadata: task.logMetadata)
            do {
                try await store.delete(instanceId: record.instanceId)
            } catch {
                logger.error("cannot remove stale task record", metadata: [
                    "instance": "\(record.instanceId)", "error": "\(error)",
                ])
            }
        }
        // Tasks started but never recorded (the agent died in between) are killed: the control
        // plane does not know them as running, and an unrecorded process would run twice.
        let live = Set(tasks.values.filter { $0.phase != .ended }.map(\.taskId))
        let orphans = OrphanSweeper.killUnknown(sandboxRoot: configuration.dataDir + "/sandboxes", keep: live)
        if !orphans.isEmpty {
            logger.warning("killed task processes no record knew", metadata: ["tasks": "\(orphans.sorted())"])
        }
        await sweepUnknownContainers()
        reportContinuation.yield(.registered(info))
        for status in endedMeanwhile { report(status) }
        reportFullState()
        // Only now, so that no health report precedes the registration.
        for instanceId in adopted { startChecks(instanceId) }
        watchRuntimeAvailability()
    }
}

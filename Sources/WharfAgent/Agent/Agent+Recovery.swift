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
        let scan = await store.loadAll(logger: logger)
        recordsComplete = scan.complete
        for unreadable in scan.unreadable {
            unreadableTasks[unreadable.instanceId] = unreadable
            logger.error("task record cannot be read; kept aside, and its task left running unsupervised", metadata: [
                "instance": "\(unreadable.instanceId)", "path": "\(unreadable.path)", "reason": "\(unreadable.reason)",
            ])
        }
        for record in scan.records {
            var task = ManagedTask(
                instanceId: record.instanceId, incarnation: record.incarnation, taskId: record.taskId,
                appId: record.appId, appVersion: record.appVersion, runtimeName: record.handle.runtime,
                phase: .running,
                status: TaskStatus(instanceId: record.instanceId, incarnation: record.incarnation, state: .running,
                                   message: "re-adopted after agent restart (\(Self.startedDetail(record.handle)))",
                                   timestamp: .now(), health: record.checks?.initialHealth),
                handle: record.handle, killGracePeriodSeconds: record.killGracePeriodSeconds,
                startedAt: record.startedAt, kill: record.kill, checks: record.checks,
                health: record.checks?.initialHealth, ports: record.ports ?? [], bindsOwnPorts: record.bindsOwnPorts ?? false)
            if let reason = unavailableRuntimes[record.handle.runtime] {
                // The engine is away, not the container: hold the task as it was and adopt it once
                // the runtime answers again (``adoptAwaitedTasks(of:)``).
                task.status.message = "waiting for the \(record.handle.runtime) runtime to re-adopt the task (\(reason))"
                tasks[record.instanceId] = task
                awaitingAdoption[record.instanceId] = record
                logger.warning("task held until its runtime answers", metadata: task.logMetadata)
                continue
            }
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
            let status = await settleEndedWhileAway(
                record, task: task,
                message: runtime == nil
                    ? "agent has no \(record.handle.runtime) runtime to adopt the task after a restart"
                    : record.kill.map { "\($0.reason) (process exited while the agent was down)" }
                        ?? "process exited while the agent was down (its exit status is unknown)")
            endedMeanwhile.append(status)
        }
        // Tasks started but never recorded (the agent died in between) are killed: the control
        // plane does not know them as running, and an unrecorded process would run twice. Tasks
        // of records that cannot be read are recorded, if unreadably: they are spared.
        if recordsComplete {
            let live = Set(tasks.values.filter { $0.phase != .ended }.map(\.taskId))
            let unreadable = unreadableTasks
            let orphans = OrphanSweeper.killUnknown(sandboxRoot: configuration.dataDir + "/sandboxes") { process in
                live.contains(process.taskId) || unreadable[Instance.instanceId(fromTaskId: process.taskId)] != nil
                    || unreadable.values.contains { $0.pid == process.pid }
            }
            if !orphans.isEmpty {
                logger.warning("killed task processes no record knew", metadata: ["tasks": "\(orphans.sorted())"])
            }
        }
        await sweepUnknownContainers()
        // The first placement already avoids ports that others hold.
        await refreshPortsInUse(announce: false)
        reportContinuation.yield(.registered(info))
        for status in endedMeanwhile { report(status) }
        reportFullState()
        // Only now, so that no health report precedes the registration.
        for instanceId in adopted { startChecks(instanceId) }
        watchRuntimeAvailability()
        watchHostPorts()
        collectSandboxes()
    }

    /// Marks a recorded task as ended while nobody supervised it, forgets its record and returns the
    /// terminal status (not yet reported): TASK_KILLED when a kill was in progress, else TASK_GONE —
    /// how it ended is unknown (a crash of the app, or of the whole node with the agent), so it is
    /// replaced without counting as the app's failure (no launch backoff, no deployment failure), as
    /// Marathon treats a task gone with its agent.
    func settleEndedWhileAway(_ record: TaskRecord, task: ManagedTask, message: String) async -> TaskStatus {
        var task = task
        task.phase = .ended
        task.endedAt = .now()
        task.status = TaskStatus(
            instanceId: record.instanceId, incarnation: record.incarnation,
            state: task.kill == nil ? .gone : .killed, message: message, timestamp: task.endedAt!)
        tasks[record.instanceId] = task
        logger.warning("task ended while the agent was down", metadata: task.logMetadata)
        do {
            try await store.delete(instanceId: record.instanceId)
        } catch {
            logger.error("cannot remove stale task record", metadata: [
                "instance": "\(record.instanceId)", "error": "\(error)",
            ])
        }
        return task.status
    }

    /// Adopts the tasks held at start-up because runtime `name` did not answer, now that it does:
    /// supervised (and checked, or killed when a kill was asked for meanwhile) when their container
    /// still runs, reported ended otherwise.
    func adoptAwaitedTasks(of name: String) async {
        guard let runtime = runtimes[name] else { return }
        for (instanceId, record) in awaitingAdoption where record.handle.runtime == name {
            awaitingAdoption[instanceId] = nil
            guard let task = tasks[instanceId], task.phase == .running else { continue }
            if await runtime.adopt(record.handle) {
                logger.info("task re-adopted", metadata: task.logMetadata)
                if var kill = tasks[instanceId]?.kill {
                    kill.drainSeconds = nil
                    await stopRunningTask(instanceId, kill: kill, runtime: runtime)
                } else {
                    setStatus(instanceId, .running, message: "re-adopted (\(Self.startedDetail(record.handle)))")
                    startChecks(instanceId)
                }
            } else {
                report(await settleEndedWhileAway(
                    record, task: task, message: "container exited while the agent and its Docker engine were away"))
            }
        }
    }
}


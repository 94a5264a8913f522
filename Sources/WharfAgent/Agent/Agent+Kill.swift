import WharfModel

extension Agent {
    /// Kills the instance's task: TASK_KILLING now (its checks stop), SIGTERM to its process group
    /// after the drain, SIGKILL after the grace period, TASK_KILLED when it is gone. A second kill
    /// while one is in progress changes nothing.
    func kill(_ command: KillTask) async {
        let instanceId = command.instanceId
        if tasks[instanceId] == nil, let unreadable = unreadableTasks[instanceId] {
            // Which process or container is the task cannot be told safely without its record.
            logger.warning("not killing a task whose record cannot be read", metadata: [
                "instance": "\(instanceId)", "path": "\(unreadable.path)", "reason": "\(command.reason)",
            ])
            report(unreadable.status)
            return
        }
        guard let task = tasks[instanceId] else {
            report(TaskStatus(
                instanceId: instanceId, incarnation: 0, state: .gone, message: "unknown to agent", timestamp: .now()))
            return
        }
        // Bounded to a year (and NaN-safe) so that no stored or sent value can overflow a timer.
        let requested = command.gracePeriodSeconds > 0 ? command.gracePeriodSeconds : task.killGracePeriodSeconds
        let grace = min(requested.isFinite ? requested : 0, Double(AppDefinition.maxSeconds))
        let kill = TaskRecord.Kill(
            reason: command.reason, gracePeriodSeconds: grace,
            drainSeconds: command.drainSeconds > 0 ? min(command.drainSeconds, Double(AppDefinition.maxSeconds)) : nil)
        let reason = command.reason
        switch task.phase {
        case .ended:
            // Already terminal: repeat the final status so that the control plane settles.
            report(task.status)
        case .starting:
            guard task.kill == nil else { return }
            tasks[instanceId]?.kill = kill
            setStatus(instanceId, .killing, message: reason)
            // Not started yet (an image pull may hang): the spawn gives up and reports it killed.
            if task.handle == nil { task.spawning?.cancel() }
        case .running:
            guard task.kill == nil, let runtime = runtimes[task.runtimeName] else { return }
            await stopRunningTask(instanceId, kill: kill, runtime: runtime)
        case .ending:
            // The process is already gone; the exit is reported as killed.
            if task.kill == nil { tasks[instanceId]?.kill = kill }
        }
    }

    /// Reports TASK_KILLING, stops the task's checks, records the kill (so that a restarted agent
    /// finishes it) and asks the runtime to stop the task, at once or after the kill's drain.
    func stopRunningTask(_ instanceId: String, kill: TaskRecord.Kill, runtime: any Runtime) async {
        tasks[instanceId]?.kill = kill
        stopChecks(instanceId)
        guard let task = tasks[instanceId], let handle = task.handle else { return }
        if task.status.state != .killing { setStatus(instanceId, .killing, message: kill.reason) }
        if let record = task.record {
            do {
                try await store.save(record)
            } catch {
                logger.warning("cannot record kill in progress", metadata: [
                    "instance": "\(instanceId)", "error": "\(error)",
                ])
            }
        }
        guard let drain = kill.drainSeconds, drain > 0 else {
            await runtime.stop(handle, gracePeriod: .milliseconds(Int64(kill.gracePeriodSeconds * 1000)))
            return
        }
        // Routers stop sending traffic on TASK_KILLING; the task keeps serving what is in flight
        // until the drain is over. Other commands and exits proceed meanwhile.
        let taskId = task.taskId
        tasks[instanceId]?.drain = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int64(drain * 1000)))
            guard !Task.isCancelled else { return }
            await self?.drained(instanceId, taskId: taskId)
        }
    }

    /// Signals a task whose drain is over, unless it ended meanwhile.
    private func drained(_ instanceId: String, taskId: String) async {
        guard !isShutDown, let task = tasks[instanceId], task.taskId == taskId, task.phase == .running,
              let kill = task.kill, let handle = task.handle, let runtime = runtimes[task.runtimeName]
        else { return }
        tasks[instanceId]?.drain = nil
        await runtime.stop(handle, gracePeriod: .milliseconds(Int64(kill.gracePeriodSeconds * 1000)))
    }

    /// Reports the terminal status of a task whose process ended, then forgets its record.
    func taskEnded(_ exit: TaskExit) async {
        let instanceId = Instance.instanceId(fromTaskId: exit.handle.taskId)
        guard let task = tasks[instanceId], task.taskId == exit.handle.taskId else {
            logger.debug("exit of a task not held", metadata: ["task": "\(exit.handle.taskId)"])
            return
        }
        switch task.phase {
        case .starting:
            tasks[instanceId]?.pendingExit = exit
            return
        case .ended, .ending:
            return
        case .running:
            break
        }
        stopChecks(instanceId)
        task.drain?.cancel()
        tasks[instanceId]?.drain = nil
        tasks[instanceId]?.phase = .ending
        let taken = await portsTakenAfterFailure(instanceId, exit: exit)
        // A kill may have arrived meanwhile.
        guard let settled = tasks[instanceId], settled.taskId == exit.handle.taskId, settled.phase == .ending else { return }
        let (state, message) = Self.outcome(of: exit, task: settled)
        countEnd(of: exit, state: state)
        if taken.isEmpty || settled.kill != nil {
            setStatus(instanceId, state, message: message, exit: exit)
        } else {
            await reportPortConflict(instanceId, ports: taken, state: state,
                                     message: "\(message); \(Self.inUse(taken)) by another process", exit: exit)
        }
        do {
            try await store.delete(instanceId: instanceId)
        } catch {
            logger.error("cannot remove task record", metadata: ["instance": "\(instanceId)", "error": "\(error)"])
        }
    }

    /// Marathon's state and a message for an ended task: killed when a kill was asked for, finished
    /// on exit code 0, failed otherwise.
    static func outcome(of exit: TaskExit, task: ManagedTask) -> (TaskState, String) {
        if let forced = task.forcedOutcome { return (forced.state, "\(forced.message) (\(exit.description))") }
        if let kill = task.kill ?? (exit.stopRequested ? TaskRecord.Kill(reason: "stopped", gracePeriodSeconds: 0) : nil) {
            return (.killed, "\(kill.reason) (\(exit.description))")
        }
        switch exit.termination {
        case .exited(let code): return (code == 0 ? .finished : .failed, exit.description)
        case .signaled, .unknown: return (.failed, exit.description)
        }
    }
}

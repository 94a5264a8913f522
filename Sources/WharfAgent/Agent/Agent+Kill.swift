import WharfModel

extension Agent {
    /// Kills the instance's task: TASK_KILLING now, SIGTERM to its process group, SIGKILL after the
    /// grace period, TASK_KILLED when it is gone.
    func kill(instanceId: String, gracePeriodSeconds: Double, reason: String) async {
        guard let task = tasks[instanceId] else {
            report(TaskStatus(
                instanceId: instanceId, incarnation: 0, state: .gone, message: "unknown to agent", timestamp: .now()))
            return
        }
        let grace = gracePeriodSeconds > 0 ? gracePeriodSeconds : task.killGracePeriodSeconds
        let kill = TaskRecord.Kill(reason: reason, gracePeriodSeconds: grace)
        switch task.phase {
        case .ended:
            // Already terminal: repeat the final status so that the control plane settles.
            report(task.status)
        case .starting:
            guard task.kill == nil else { return }
            tasks[instanceId]?.kill = kill
            setStatus(instanceId, .killing, message: reason)
        case .running:
            guard task.kill == nil, let runtime = runtimes[task.runtimeName] else { return }
            await stopRunningTask(instanceId, kill: kill, runtime: runtime)
        }
    }

    /// Reports TASK_KILLING, records the kill (so that a restarted agent finishes it) and asks the
    /// runtime to stop the task.
    func stopRunningTask(_ instanceId: String, kill: TaskRecord.Kill, runtime: any Runtime) async {
        tasks[instanceId]?.kill = kill
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
        case .ended:
            return
        case .running:
            break
        }
        let (state, message) = Self.outcome(of: exit, task: task)
        setStatus(instanceId, state, message: message, exit: exit)
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

import WharfModel

extension Agent {
    /// Connects the Docker runtime (when configured) to its engine; when no engine answers, the
    /// runtime is not offered (the agent runs only processes) and the reason is logged. The engine
    /// is polled from then on (``watchRuntimeAvailability()``).
    func connectRuntimes() async {
        for name in runtimeOrder {
            guard let docker = runtimes[name] as? DockerRuntime else { continue }
            if let reason = await docker.connect() {
                unavailableRuntimes[name] = reason
                logger.warning("no Docker engine: Docker apps cannot run on this agent for now", metadata: [
                    "socket": "\(docker.socketPath)", "reason": "\(reason)",
                ])
            }
        }
    }

    /// Polls the Docker engine every `runtimeCheckSeconds`; when it goes away or comes back, the
    /// agent announces itself again with the runtimes it can offer now (`registered` + `fullState`),
    /// so that the scheduler stops or resumes placing DOCKER apps here. Containers keep running
    /// meanwhile and their supervision resumes when the engine answers again.
    func watchRuntimeAvailability() {
        let dockers = runtimeOrder.compactMap { name in (runtimes[name] as? DockerRuntime).map { (name, $0) } }
        guard availabilityWatch == nil, !dockers.isEmpty else { return }
        let seconds = configuration.runtimeCheckSeconds
        let interval = Duration.milliseconds(Int64((seconds.isFinite ? min(max(seconds, 0.05), 3600) : 2) * 1000))
        availabilityWatch = Task { [weak self] in
            // One slow answer (an engine busy with a large pull) does not withdraw the runtime:
            // three failures in a row do.
            var failures: [String: Int] = [:]
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                for (name, docker) in dockers {
                    let reason = await docker.availability()
                    failures[name] = reason == nil ? 0 : (failures[name] ?? 0) + 1
                    if reason == nil || failures[name]! >= 3 {
                        await self?.runtime(name, availability: reason)
                    }
                }
            }
        }
    }

    /// Records whether runtime `name` is usable (`reason` nil) and re-announces the agent on change.
    func runtime(_ name: String, availability reason: String?) async {
        guard !isShutDown, (unavailableRuntimes[name] == nil) != (reason == nil) else { return }
        unavailableRuntimes[name] = reason
        if let reason {
            logger.warning("runtime unavailable; no longer offered", metadata: ["runtime": "\(name)", "reason": "\(reason)"])
        } else {
            logger.info("runtime available again; offered", metadata: ["runtime": "\(name)"])
            await adoptAwaitedTasks(of: name)
            await sweepUnknownContainers()
        }
        reportContinuation.yield(.registered(info))
        reportFullState()
    }

    /// Reports image-pull progress of a starting task as TASK_STARTING statuses with the progress
    /// as their message (the control plane shows them as `status_update_event`s).
    func pullProgressed(taskId: String, message: String) {
        let instanceId = Instance.instanceId(fromTaskId: taskId)
        guard let task = tasks[instanceId], task.taskId == taskId, task.phase == .starting, task.kill == nil,
              task.status.state == .starting
        else { return }
        setStatus(instanceId, .starting, message: message)
    }

    /// Removes the containers this agent created that no live task owns (the agent died between
    /// creating a container and recording its task, or the record was given up). Containers of
    /// tasks whose records cannot be read are kept; nothing is removed when the records could not
    /// even be listed.
    func sweepUnknownContainers() async {
        guard recordsComplete, let docker = runtimes["docker"] as? DockerRuntime, unavailableRuntimes["docker"] == nil else { return }
        let held = tasks.values.filter { $0.phase != .ended }
        let removed = await docker.removeUnknownContainers(
            keeping: Set(held.compactMap { $0.handle?.containerId } + unreadableTasks.values.compactMap(\.containerId)),
            tasks: Set(held.map(\.taskId)), instances: Set(unreadableTasks.keys))
        if !removed.isEmpty {
            logger.warning("removed containers no task record knew", metadata: ["containers": "\(removed.sorted())"])
        }
    }

    /// The environment of a container task: Marathon's task variables (ports, `HOST`, labels, the
    /// app's `env`) without what the agent's own environment would add (`PATH`, `HOME`, ...: the
    /// image has its own). `MESOS_SANDBOX` is set by the runtime to the mount point in the container.
    static func containerEnvironment(for launch: LaunchTask, host: String, sandbox: String) -> [String: String] {
        var environment = TaskEnvironment.variables(for: launch, host: host, sandbox: sandbox, agentEnvironment: [:])
        if case .value = launch.app.env["PATH"] {} else { environment["PATH"] = nil }
        return environment
    }

    /// How a started or adopted task is named in its RUNNING message: `pid 123`, `container 0123456789ab`.
    static func startedDetail(_ handle: TaskHandle) -> String {
        if let container = handle.containerId { return "container \(container.prefix(12))" }
        return "pid \(handle.pid.map(String.init) ?? "-")"
    }

    /// Runs COMMAND checks of a container task inside its container; nil for other tasks (their
    /// checks run on the host, in the task's sandbox and cgroups).
    func containerCheckRunner(_ handle: TaskHandle) -> HealthMonitor.CommandRunner? {
        guard let containerId = handle.containerId, let docker = runtimes[handle.runtime] as? DockerRuntime else {
            return nil
        }
        return { command, timeout in
            await docker.runCheck(containerId: containerId, command: command, timeout: timeout)
        }
    }
}

import WharfModel

extension Agent {
    /// Finds the ports in the agent's ranges and in the service-port ranges its router listens on
    /// that other processes hold (ports given to its own live tasks, and in the service ranges this
    /// process's own sockets, left out) and, when they changed and `announce` is set, reports them as `portsInUse`, so that
    /// the scheduler stops handing them out as host or service ports. `ignoring` names a task whose
    /// ports count as others' (one that is ending because of them).
    func refreshPortsInUse(announce: Bool = true, ignoring: String? = nil) async {
        // Checks overlap (the timer's and a conflict's); an older one never overwrites a newer one.
        portChecks.started += 1
        let check = portChecks.started
        let (taskRanges, serviceRanges) = (configuration.portRanges, configuration.servicePortRanges)
        let suspects = portsFoundTaken
        let held = await BlockingIO.run {
            let sockets = HostSocket.read()
            var held = HostPortCheck.held(in: taskRanges, suspects: suspects, sockets: sockets)
            // Service ports this process's router listens on are its own, not another's.
            if !serviceRanges.isEmpty {
                held.formUnion(HostPortCheck.held(in: serviceRanges, suspects: [], sockets: sockets,
                                                  sparing: SocketOwners.ownSocketInodes()))
            }
            return held
        }
        guard check > portChecks.applied else { return }
        portChecks.applied = check
        // The tasks' own ports as they are now, after the wait (a task may have started meanwhile).
        let own = Set(tasks.values.filter { ($0.phase == .starting || $0.phase == .running) && $0.instanceId != ignoring }
            .flatMap { $0.ports.map(\.port) })
        portsFoundTaken.formIntersection(held)
        let inUse = held.subtracting(own).sorted()
        guard inUse != portsInUse else { return }
        let added = Set(inUse).subtracting(portsInUse)
        if !added.isEmpty {
            logger.info("host ports held by other processes are not given to tasks", metadata: [
                "ports": "\(added.sorted())", "inUse": "\(inUse.count)",
            ])
        }
        portsInUse = inUse
        if announce { reportContinuation.yield(.portsInUse(agentId: id, inUse)) }
    }

    /// Looks for changes of the ports others hold every `portCheckSeconds`: nothing announces
    /// that a process outside Wharf bound or released a port.
    func watchHostPorts() {
        guard portWatch == nil else { return }
        let seconds = configuration.portCheckSeconds
        let interval = Duration.milliseconds(Int64((seconds.isFinite ? min(max(seconds, 0.05), 3600) : 5) * 1000))
        portWatch = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, let self else { return }
                await self.refreshPortsInUse()
            }
        }
    }

    /// Checks right before a spawn that no other process holds the task's ports. When one does,
    /// announces it in `portsInUse` and ends the task TASK_DROPPED with reason `portConflict` (the
    /// control plane places the instance again on other ports); returns whether it did.
    func dropOnPortConflict(_ instanceId: String) async -> Bool {
        guard let ports = tasks[instanceId]?.ports, !ports.isEmpty else { return false }
        let taken = await BlockingIO.run { HostPortCheck.heldBeforeSpawn(ports) }
        guard !taken.isEmpty, tasks[instanceId]?.phase == .starting else { return false }
        await reportPortConflict(instanceId, ports: taken, state: .dropped,
                                 message: "not started: \(Self.inUse(taken)) on \(configuration.host)")
        return true
    }

    /// After a start failed or the task failed early: the ports of the task that another process
    /// now holds (nothing when the task publishes no ports itself, or ran longer than
    /// `portConflictWindowSeconds`).
    func portsTakenAfterFailure(_ instanceId: String, exit: TaskExit?) async -> [TaskPort] {
        guard let task = tasks[instanceId], !task.ports.isEmpty, task.kill == nil, task.forcedOutcome == nil else { return [] }
        if let exit {
            guard task.bindsOwnPorts, !exit.stopRequested, exit.exitCode != 0 else { return [] }
            if let started = task.startedAt, Timestamp.now().seconds(since: started) > configuration.portConflictWindowSeconds {
                return []
            }
            let session = exit.handle.runtime == "process" ? exit.handle.processGroup ?? exit.handle.pid : nil
            let ports = task.ports
            return await BlockingIO.run { HostPortCheck.heldAfterExit(ports, taskSession: session) }
        }
        let ports = task.ports
        return await BlockingIO.run { HostPortCheck.heldBeforeSpawn(ports) }
    }

    /// Announces `ports` as taken, then reports the task's terminal `state` with reason
    /// `portConflict`, in that order, so that the replacement avoids them.
    func reportPortConflict(_ instanceId: String, ports: [TaskPort], state: TaskState, message: String, exit: TaskExit? = nil) async {
        portsFoundTaken.formUnion(ports.map(\.port))
        await refreshPortsInUse(ignoring: instanceId)
        let note = "\(message) (port conflict: the instance is placed again on other ports; this does not count as a failure of the app)"
        logger.warning("port conflict", metadata: [
            "instance": "\(instanceId)", "ports": "\(Self.list(ports))", "state": "\(state.rawValue)",
        ])
        setStatus(instanceId, state, message: note, exit: exit, reason: .portConflict)
    }

    /// `31005, 31006/udp`.
    static func list(_ ports: [TaskPort]) -> String {
        ports.map(\.description).joined(separator: ", ")
    }

    /// `host port 31005 is already in use`, `host ports 31005, 31006 are already in use`.
    static func inUse(_ ports: [TaskPort]) -> String {
        ports.count == 1 ? "host port \(list(ports)) is already in use" : "host ports \(list(ports)) are already in use"
    }
}

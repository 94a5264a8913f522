import Foundation
import Logging
import WharfModel
import WharfScheduler

extension ControlPlane {
    /// Applies a batch of agent reports in order, then updates the catalog once and asks for a pass
    /// over the apps and agents they concern.
    func handle(_ reports: [AgentReport]) {
        for report in reports { handle(report) }
        publishCatalog()
    }

    /// Applies one agent report to the instance records and marks what it concerns for evaluation.
    private func handle(_ report: AgentReport) {
        // The link's own verdict is not word from the agent.
        if case .unreachable = report {} else { state.agentLastSeen[report.agentId] = Timestamp.now() }
        switch report {
        case let .registered(info):
            logger.info("agent registered", metadata: ["agent": "\(info.id)", "host": "\(info.host)", "isolation": "\(info.isolation)"])
            let held = state.agentUsage[info.id]?.resources ?? .zero
            if !info.capacity.covers(held) {
                // Its tasks keep running; the scheduler sees no room on it until enough of them end.
                logger.warning("the agent offers less than its tasks hold; nothing new is placed on it until they end", metadata: [
                    "agent": "\(info.id)", "offered": "\(info.capacity)", "held": "\(held)",
                ])
            }
            // Nothing is placed on the agent until it has said what it already runs.
            agentReturned(info.id)
            state.agents[info.id] = nil
            pendingAgents[info.id] = info
            hostPortsInUse[info.id] = info.portsInUse
        case let .status(agentId, status):
            let appId = state.instances[status.instanceId]?.appId
            apply(status, from: agentId)
            if let appId { wake(apps: [appId]) }
        case let .fullState(agentId, statuses):
            reconcileAgent(agentId, statuses: statuses)
            wake(agent: agentId)
        case let .portsInUse(agentId, ports):
            hostPortsInUse[agentId] = ports
            // Freed ports may let a waiting instance fit.
            wake(apps: state.queue.keys)
        case let .unreachable(agentId, reason):
            wake(agent: agentId)
            agentUnreachable(agentId, reason: reason)
        case let .outputProblem(agentId, problem):
            events.publish(TaskOutputEvent(agentId: agentId, problem: problem))
        }
    }

    /// Compares what an agent runs with what the store says should run there: instances the agent
    /// does not know are gone and will be replaced; tasks the control plane does not know are killed.
    private func reconcileAgent(_ agentId: String, statuses: [TaskStatus]) {
        let reported = Dictionary(statuses.map { ($0.instanceId, $0) }, uniquingKeysWith: { _, last in last })
        let now = Timestamp.now()
        let known = (state.instanceIdsByAgent[agentId] ?? []).sorted().compactMap { state.instances[$0] }
        for instance in known where reported[instance.id] == nil {
            let gone = TaskStatus(instanceId: instance.id, incarnation: instance.incarnation, state: .gone,
                                  message: "instance unknown to agent \(agentId) (lost while wharf was down)", timestamp: now)
            apply(gone, from: agentId)
        }
        for status in statuses {
            apply(status, from: agentId)
        }
        if let info = pendingAgents.removeValue(forKey: agentId) {
            state.agents[agentId] = info
        }
        logger.info("agent state reconciled", metadata: ["agent": "\(agentId)", "tasks": "\(statuses.count)"])
    }

    /// Applies a task status to its instance: updates the record, publishes events, and when the task
    /// ended records the failure and backoff and expunges the instance (the scheduler replaces it).
    func apply(_ status: TaskStatus, from agentId: String) {
        guard let instance = state.instances[status.instanceId], instance.agentId == agentId else {
            guard !status.state.isTerminal else { return }
            let metadata: Logger.Metadata = ["instance": "\(status.instanceId)", "agent": "\(agentId)", "state": "\(status.state.rawValue)"]
            if state.quarantine.protects(instanceId: status.instanceId) {
                // Its record (or its app's) cannot be read: what it is meant to do is unknown.
                logger.warning("task of a quarantined record left running", metadata: metadata)
            } else if status.state == .unreachable {
                // The agent cannot act on it (it cannot read its own record of the task either).
                logger.warning("task unknown to the control plane and unreachable for its agent; left alone", metadata: metadata)
            } else {
                logger.warning("killing task unknown to the control plane", metadata: metadata)
                link.send(.kill(KillTask(instanceId: status.instanceId, gracePeriodSeconds: configuration.defaultKillGracePeriodSeconds,
                                               reason: "unknown to the control plane")), to: agentId)
            }
            return
        }
        // Incarnation 0: the agent answers about an instance it does not know (any incarnation).
        guard status.incarnation == instance.incarnation || status.incarnation == 0 else { return }
        followAgentRecord(of: instance, status: status, from: agentId)
        applyLocally(status, to: instance)
    }

    /// An agent that cannot read its record of a task leaves the task running unsupervised: its app
    /// is quarantined (nothing kills, replaces, scales or upgrades it) until the agent reads the
    /// record again and reports the task as usual.
    private func followAgentRecord(of instance: Instance, status: TaskStatus, from agentId: String) {
        let key = Quarantine.agentRecordKey(agentId: agentId, instanceId: instance.id)
        if status.reason == .unreadableRecord {
            guard state.quarantine.records[key] == nil else { return }
            state.quarantine.add(key, reason: status.message ?? "unreadable", apps: [instance.appId])
            state.quarantine.instanceIds.insert(instance.id)
            logger.error("the agent cannot read a task's record; its app is quarantined", metadata: [
                "instance": "\(instance.id)", "app": "\(instance.appId)", "agent": "\(agentId)", "reason": "\(status.message ?? "")",
            ])
        } else if state.quarantine.records[key] != nil {
            state.quarantine.forget([key])
            state.quarantine.instanceIds.remove(instance.id)
            logger.info("the agent reads the task's record again; quarantine lifted", metadata: [
                "instance": "\(instance.id)", "app": "\(instance.appId)", "agent": "\(agentId)",
            ])
        }
    }

    /// Applies a status of a known instance: updates the record and publishes events; an ended task
    /// records its failure and backoff and is expunged (the scheduler replaces it). No suspension.
    func applyLocally(_ status: TaskStatus, to current: Instance) {
        var instance = current
        let previous = instance.state
        // Progress of a starting task (an image pull): shown on the event stream, not stored.
        if previous == status.state, status.state == .starting, let message = status.message, message != instance.message {
            instance.message = message
            state.upsert(instance)
            publishStatus(instance, message: message, timestamp: status.timestamp)
            return
        }
        guard previous != status.state || (status.health != nil && instance.health != status.health) else { return }
        guard !previous.isTerminal else { return }

        if previous != status.state { instance.stateSince = status.timestamp }
        instance.state = status.state
        applyHealth(status, to: &instance)
        if let message = status.message, previous != status.state { instance.message = message }
        if status.state == .running && instance.startedAt == nil { instance.startedAt = status.timestamp }
        state.upsert(instance)
        if previous != status.state {
            publishStatus(instance, message: status.message, timestamp: status.timestamp)
        }

        guard status.state.isTerminal else {
            dirtyInstances.insert(instance.id)
            return
        }
        if instance.goal == .running {
            if status.reason == .portConflict {
                // Not the app's failure: no backoff, no deployment failure; the scheduler places a
                // replacement on ports the agent did not report as taken.
                logger.warning("port conflict, placing the instance again", metadata: [
                    "instance": "\(instance.id)", "app": "\(instance.appId)", "reason": "\(status.message ?? "")",
                ])
            } else {
                recordFailure(of: instance, status: status)
            }
        }
        killSentAt[instance.id] = nil
        state.removeInstance(instance.id)
        dirtyInstances.remove(instance.id)
        expungedInstances.insert(instance.id)
        if stoppingAllTasks { resumeIfAllTasksStopped() }
    }

    private func recordFailure(of instance: Instance, status: TaskStatus) {
        guard status.state != .killed else { return }
        state.lastTaskFailures[instance.appId] = TaskFailure(
            appId: instance.appId, host: instance.host, message: status.message ?? "", state: status.state,
            taskId: instance.taskId, timestamp: status.timestamp, version: instance.appVersion, slaveId: instance.agentId)
        dirtyFailures.insert(instance.appId)
        if status.state != .gone { noteNewInstanceFailure(instance, message: status.message ?? status.state.rawValue) }
        guard status.state.countsAsLaunchFailure, status.state != .gone, let app = state.apps[instance.appId] else { return }
        var backoff = state.backoff[instance.appId] ?? LaunchBackoff()
        backoff.recordFailure(app: app, now: status.timestamp)
        state.backoff[instance.appId] = backoff
        logger.info("task failed", metadata: [
            "instance": "\(instance.id)", "app": "\(instance.appId)", "reason": "\(status.message ?? "")",
            "delay": "\(backoff.timeLeftSeconds(now: status.timestamp))",
        ])
    }

    /// `status_update_event` and `instance_changed_event` for a state change.
    func publishStatus(_ instance: Instance, message: String?, timestamp: Timestamp) {
        events.publish(StatusUpdateEvent(instance: instance, message: message, timestamp: timestamp))
        events.publish(InstanceChangedEvent(instance: instance, timestamp: timestamp))
    }
}

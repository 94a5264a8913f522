import Foundation
import Logging
import WharfModel

/// An agent the control plane has given up hearing from, until it registers again.
public struct UnreachableAgent: Hashable, Sendable {
    public var agentId: String
    /// What the agent last offered; nil when it has not registered since this control plane started.
    public var info: AgentInfo?
    /// When it was declared unreachable.
    public var since: Timestamp
    /// Why (what the link last saw, or that it did not reconnect after a restart).
    public var reason: String
}

extension ControlPlane {
    /// The link has not heard from `agentId` for its timeout (or the agent did not come back after
    /// this control plane started): nothing is placed on it any more, its running instances become
    /// TASK_UNREACHABLE — out of the catalog, and so out of routing and DNS, at once — and are
    /// replaced and expunged as their apps' `unreachableStrategy` says (Marathon 1.10:
    /// `inactiveAfterSeconds` until a replacement is launched, `expungeAfterSeconds` until the
    /// instance is forgotten and killed should it come back; `disabled`: neither). Instances whose
    /// records are quarantined are left as they are.
    func agentUnreachable(_ agentId: String, reason: String) {
        let now = Timestamp.now()
        let info = state.agents.removeValue(forKey: agentId) ?? pendingAgents.removeValue(forKey: agentId)
        if let known = state.unreachableAgents[agentId] {
            state.unreachableAgents[agentId] = UnreachableAgent(agentId: agentId, info: info ?? known.info, since: known.since, reason: known.reason)
        } else {
            state.unreachableAgents[agentId] = UnreachableAgent(agentId: agentId, info: info, since: now, reason: reason)
        }
        let affected = (state.instanceIdsByAgent[agentId] ?? []).compactMap { state.instances[$0] }.filter {
            $0.isActive && $0.state != .unreachable && !state.quarantine.protects(instanceId: $0.id)
        }
        logger.warning("agent unreachable; its instances are TASK_UNREACHABLE", metadata: [
            "agent": "\(agentId)", "reason": "\(reason)", "instances": "\(affected.count)",
        ])
        for instance in affected.sorted(by: { $0.id < $1.id }) {
            applyLocally(TaskStatus(instanceId: instance.id, incarnation: instance.incarnation, state: .unreachable,
                                    message: "agent \(agentId) unreachable: \(reason)", timestamp: now), to: instance)
        }
        expireUnreachableInstances(now: now)
    }

    /// An unreachable agent registered again: it takes tasks once it has reported what it runs
    /// (the `fullState` that follows settles each of its instances).
    func agentReturned(_ agentId: String) {
        guard let away = state.unreachableAgents.removeValue(forKey: agentId) else { return }
        logger.info("unreachable agent is back", metadata: [
            "agent": "\(agentId)", "awaySeconds": "\(Int(Timestamp.now().seconds(since: away.since)))",
        ])
    }

    /// Whether `instance` no longer counts for its app (Marathon's UnreachableInactive): unreachable
    /// on an agent that is away for at least its app's `inactiveAfterSeconds`. The scheduler
    /// launches a replacement for it, and deployments treat it as gone.
    func isUnreachableInactive(_ instance: Instance, now: Timestamp) -> Bool {
        state.isUnreachableInactive(instance, now: now)
    }

    /// Forgets the unreachable instances of away agents that cannot be reached to be killed
    /// (decommissioned ones, as Marathon's kill of an unreachable instance) or that have been
    /// unreachable for their app's `expungeAfterSeconds`. Should such a task come back, it is unknown
    /// and killed.
    func expireUnreachableInstances(now: Timestamp) {
        // Instances placed on an agent while it was being declared unreachable (a pass that had
        // chosen it was suspended meanwhile) are unreachable too; without this they would stay
        // staging forever, as nothing would ever report on them.
        let awayAgents = state.instanceIdsByAgent.keys.filter { state.agents[$0] == nil }.sorted()
        let stranded = awayAgents.flatMap { (state.instanceIdsByAgent[$0] ?? []).sorted() }
        for instance in stranded.compactMap({ state.instances[$0] }) where instance.isActive && instance.state != .unreachable {
            guard let away = state.unreachableAgents[instance.agentId], !state.quarantine.protects(instanceId: instance.id) else { continue }
            applyLocally(TaskStatus(instanceId: instance.id, incarnation: instance.incarnation, state: .unreachable,
                                    message: "agent \(instance.agentId) unreachable: \(away.reason)", timestamp: now), to: instance)
        }
        for instance in stranded.compactMap({ state.instances[$0] }) where instance.state == .unreachable {
            guard !state.quarantine.protects(instanceId: instance.id) else { continue }
            let message: String
            if instance.goal == .decommissioned {
                message = "killed while unreachable: forgotten, and killed if its agent comes back"
            } else if case let .enabled(_, expungeAfter)? = state.apps[instance.appId]?.unreachableStrategy,
                      now.seconds(since: instance.stateSince) >= Double(expungeAfter) {
                message = "unreachable for \(expungeAfter) s or more (unreachableStrategy.expungeAfterSeconds): expunged, "
                    + "and killed if its agent comes back"
            } else {
                continue
            }
            logger.info("unreachable instance expunged", metadata: [
                "instance": "\(instance.id)", "app": "\(instance.appId)", "agent": "\(instance.agentId)",
            ])
            applyLocally(TaskStatus(instanceId: instance.id, incarnation: instance.incarnation, state: .gone,
                                    message: message, timestamp: now), to: instance)
        }
    }

    /// After `agentReregistrationSeconds` from this control plane's start (the grace an agent has
    /// to reconnect after a server restart, as Nomad's failover heartbeat TTL), agents whose
    /// instances are on record but that have not registered are unreachable.
    func declareMissingAgentsUnreachable(now: Timestamp) {
        guard now.seconds(since: startedAt) >= configuration.agentReregistrationSeconds else { return }
        let missing = state.instanceIdsByAgent.keys.filter {
            state.agents[$0] == nil && pendingAgents[$0] == nil && state.unreachableAgents[$0] == nil
        }
        for agentId in missing.sorted() {
            agentUnreachable(agentId, reason: "did not reconnect within \(Int(configuration.agentReregistrationSeconds)) s "
                + "of the control plane's start")
        }
    }
}

extension ClusterState {
    /// See `ControlPlane.isUnreachableInactive`.
    func isUnreachableInactive(_ instance: Instance, now: Timestamp) -> Bool {
        guard instance.state == .unreachable, agents[instance.agentId] == nil,
              !quarantine.protects(instanceId: instance.id),
              case let .enabled(inactiveAfter, _)? = apps[instance.appId]?.unreachableStrategy
        else { return false }
        return now.seconds(since: instance.stateSince) >= Double(inactiveAfter)
    }
}

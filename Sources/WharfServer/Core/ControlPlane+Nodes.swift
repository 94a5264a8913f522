import WharfModel
import WharfScheduler
import WharfStore

/// How an agent stands with the control plane, for `/v1/wharf/agents` and `wharf node`.
public enum AgentNodeStatus: String, Sendable {
    /// Registered, its tasks reconciled, taking new instances.
    case ready
    /// Registered, but has not yet said what it runs: nothing is placed on it yet.
    case registering
    /// Marked unschedulable; its instances move to other agents.
    case draining
    /// Known from its instances or a drain, but not connected.
    case unreachable
}

/// One agent as the control plane sees it.
public struct AgentNode: Sendable {
    public var id: String
    /// What the agent last announced; nil when it has not registered since this control plane started.
    public var info: AgentInfo?
    public var status: AgentNodeStatus
    public var drain: AgentDrain?
    /// Resources its non-terminal instances hold.
    public var used: Resources
    /// Its non-terminal instances.
    public var instances: Int
    /// When it was last heard from: its last report or, over the network, heartbeat.
    public var lastSeen: Timestamp?
    /// The catalog index its edge router serves, as it last said; nil when it runs none (or is
    /// not connected).
    public var routerIndex: UInt64?
    /// Its connection, in a cluster.
    public var connection: AgentConnection?

    /// What an operator should look at: a clock far off, or tasks holding more than it now offers.
    public var warnings: [String] {
        var warnings: [String] = []
        if let offset = connection?.clockOffsetSeconds, abs(offset) > 5 {
            warnings.append("clock \(Int(offset.rounded())) s \(offset > 0 ? "ahead of" : "behind") the server's: task timestamps from it are off; synchronise it (NTP)")
        }
        if let total = info?.capacity, !total.covers(used) {
            warnings.append("its tasks hold more than it offers now (cpus \(used.cpus)/\(total.cpus), mem \(used.mem)/\(total.mem), disk \(used.disk)/\(total.disk)): nothing new is placed on it until they end")
        }
        return warnings
    }
}

/// Why a node command could not be carried out.
public enum NodeCommandError: Error, CustomStringConvertible {
    case unknownNode(String)
    case ambiguousNode(String, matches: [String])

    public var description: String {
        switch self {
        case let .unknownNode(name): "Agent '\(name)' does not exist"
        case let .ambiguousNode(name, matches):
            "'\(name)' names several agents (\(matches.joined(separator: ", "))); use the agent id"
        }
    }
}

extension ControlPlane {
    /// Every agent the control plane knows of: registered ones, ones still registering, and ones
    /// that only instances or a drain still name. Sorted by id.
    public func agentNodes() -> [AgentNode] {
        var ids = Set(state.agents.keys).union(pendingAgents.keys).union(state.drains.keys).union(state.unreachableAgents.keys)
        for (id, usage) in state.agentUsage where usage.instances > 0 { ids.insert(id) }
        let routers = routing.appliedIndexes
        let connections = link.connections()
        return ids.sorted().map { id in
            let info = state.agents[id] ?? pendingAgents[id] ?? state.unreachableAgents[id]?.info
            let status: AgentNodeStatus
            if state.agents[id] == nil, pendingAgents[id] == nil {
                status = .unreachable
            } else if state.drains[id] != nil {
                status = .draining
            } else {
                status = state.agents[id] != nil ? .ready : .registering
            }
            let usage = state.agentUsage[id] ?? AgentUsage()
            return AgentNode(id: id, info: info, status: status, drain: state.drains[id], used: usage.resources,
                             instances: usage.instances, lastSeen: [state.agentLastSeen[id], connections[id]?.lastHeard].compactMap { $0 }.max(),
                             routerIndex: routers[id], connection: connections[id])
        }
    }

    /// The agent `name` names: an agent id, else the one agent whose address is `name`.
    public func agentNode(named name: String) throws(NodeCommandError) -> AgentNode {
        let nodes = agentNodes()
        if let node = nodes.first(where: { $0.id == name }) { return node }
        let byHost = nodes.filter { $0.info?.host == name }
        guard byHost.count <= 1 else { throw .ambiguousNode(name, matches: byHost.map(\.id)) }
        guard let node = byHost.first else { throw .unknownNode(name) }
        return node
    }

    /// Drains the agent `name` names (`draining`) or makes it eligible again, durably; returns it as
    /// it is then. Draining a drained agent keeps its first `since`.
    public func setDraining(_ name: String, _ draining: Bool) async throws -> AgentNode {
        try await serialized {
            let node = try agentNode(named: name)
            if draining, state.drains[node.id] == nil {
                let drain = AgentDrain(agentId: node.id, since: Timestamp.now())
                try await storeOrFail([.put(key: StateKeys.drain(node.id), value: try StoredJSON.encode(drain))])
                state.drains[node.id] = drain
                logger.notice("agent draining: nothing new is placed on it and its instances move to other agents",
                              metadata: ["agent": "\(node.id)", "instances": "\(node.instances)"])
                wake(agent: node.id)
            } else if !draining, state.drains[node.id] != nil {
                try await storeOrFail([.delete(key: StateKeys.drain(node.id))])
                state.drains[node.id] = nil
                logger.notice("agent eligible again", metadata: ["agent": "\(node.id)"])
                wake(agent: node.id)
            }
            return try agentNode(named: node.id)
        }
    }

    /// Commits `operations`, turning a store failure into `ControlPlaneError.store`.
    private func storeOrFail(_ operations: [StoreOperation]) async throws {
        do {
            try await commitChange(operations)
        } catch {
            throw ControlPlaneError(storeFailure: error)
        }
    }
}

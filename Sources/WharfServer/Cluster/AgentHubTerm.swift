import WharfModel

/// The agent link of one leadership term (`AgentHub.lead(epoch:mayAct:)`): the control plane
/// elected for that term sends through it and reads its reports. Its commands carry the term's
/// epoch and are dropped once the hub no longer leads that term, so that a control plane of a
/// term that ended cannot reach an agent.
public struct AgentHubTerm: AgentLink {
    let hub: AgentHub
    /// The epoch of the term.
    public let epoch: Int64
    /// Reports of the agents welcomed in this term; ends with the term.
    public let reports: AsyncStream<AgentReport>

    /// See `AgentLink.send(_:to:)`.
    public func send(_ command: AgentCommand, to agentId: String) {
        hub.send(command, to: agentId, epoch: epoch)
    }

    /// Starts taking agents (a term started with `open: false`, once its control plane has loaded).
    public func open() {
        hub.open(epoch: epoch)
    }

    /// See `AgentLink.readTaskLog(_:on:)`: reads are not commands, any term may make them.
    public func readTaskLog(_ request: TaskLogRequest, on agentId: String) async -> TaskLogReply {
        await hub.readTaskLog(request, on: agentId)
    }

    /// See `AgentLink.connections()`.
    public func connections() -> [String: AgentConnection] {
        hub.connections()
    }
}

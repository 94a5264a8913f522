import Logging
import WharfModel

/// The in-process ``AgentLink`` of `wharf dev`: the control plane and one ``Agent`` in the same
/// process, commands delivered by direct calls, reports forwarded from the agent.
public struct LocalAgentLink: AgentLink {
    /// The agent this link delivers to.
    public let agent: Agent
    private let logger: Logger

    /// - Parameters:
    ///   - agent: the only agent reachable through the link.
    ///   - logger: notes commands addressed to another agent id (they are dropped).
    public init(agent: Agent, logger: Logger = Logger(label: "wharf.agent.link")) {
        self.agent = agent
        self.logger = logger
    }

    /// Queues `command` for the agent when `agentId` is its id (``Agent/submit(_:)``).
    public func send(_ command: AgentCommand, to agentId: String) {
        guard agentId == agent.id else {
            logger.warning("command for an agent this link does not reach, dropped", metadata: [
                "agent": "\(agentId)", "command": "\(command)",
            ])
            return
        }
        agent.submit(command)
    }

    /// The agent's reports, unchanged.
    public var reports: AsyncStream<AgentReport> { agent.reports }

    /// Reads from the agent's files directly.
    public func readTaskLog(_ request: TaskLogRequest, on agentId: String) async -> TaskLogReply {
        guard agentId == agent.id else { return .failed("agent \(agentId) is not reachable through this link") }
        return await agent.readTaskLog(request)
    }
}

import WharfAgent
import WharfModel

/// What the agent link needs of the agent it carries: ``Agent``, or a stand-in in tests.
protocol AgentEndpoint: Sendable {
    /// The agent's stable id.
    var id: String { get }
    /// Recovers the agent's tasks (once); the link says hello only after it.
    func start() async
    /// The agent's current offer.
    var currentInfo: AgentInfo { get async }
    /// Everything the agent reports, in order.
    var reports: AsyncStream<AgentReport> { get }
    /// Takes a command and returns at once; effects arrive as reports.
    func submit(_ command: AgentCommand)
    /// Reads task output kept on the agent.
    func readTaskLog(_ request: TaskLogRequest) async -> TaskLogReply
}

extension AgentEndpoint {
    func readTaskLog(_ request: TaskLogRequest) async -> TaskLogReply {
        .notFound("this agent keeps no task output")
    }
}

extension Agent: AgentEndpoint {
    var currentInfo: AgentInfo {
        get async { info }
    }
}

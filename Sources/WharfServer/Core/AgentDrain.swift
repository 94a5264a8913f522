import WharfModel

/// An agent marked unschedulable (`wharf node drain`): nothing new is placed on it and its instances
/// move to other agents, each app within its `upgradeStrategy`. Stored under `drains/<agentId>` so
/// that a drain outlives control-plane restarts and agent reconnections, until `wharf node eligible`.
public struct AgentDrain: VersionedRecord, Hashable, Sendable {
    public var agentId: String
    /// When the drain was asked for.
    public var since: Timestamp

    public init(agentId: String, since: Timestamp) {
        self.agentId = agentId
        self.since = since
    }
}

extension StateKeys {
    static let drainsPrefix = "drains/"

    static func drain(_ agentId: String) -> String { drainsPrefix + agentId }
}

import WharfModel

/// The value of one constraint field (`hostname` or an agent attribute) on every agent, interned to
/// small integers so that constraint checks are array lookups instead of string hashing.
///
/// Built once per field per `Scheduler.decide` call and shared by all apps constraining that field.
final class FieldValues {
    /// Value id per agent index; -1 when the agent has no such attribute.
    let valueIdByAgent: [Int32]
    /// Distinct values; ids index this array. May grow past the agents' values when instances sit on
    /// agents that are gone (their `host` is interned for `hostname` counts).
    private(set) var values: [String]
    private var idByValue: [String: Int32]
    /// Number of distinct values found on agents (before any interning of instance hosts).
    let agentValueCount: Int

    init(field: String, agents: [AgentInfo]) {
        var ids = [Int32](repeating: -1, count: agents.count)
        var values: [String] = []
        var idByValue: [String: Int32] = [:]
        for (i, agent) in agents.enumerated() {
            guard let value = FieldValues.value(of: field, on: agent) else { continue }
            if let id = idByValue[value] {
                ids[i] = id
            } else {
                let id = Int32(values.count)
                values.append(value)
                idByValue[value] = id
                ids[i] = id
            }
        }
        self.valueIdByAgent = ids
        self.values = values
        self.idByValue = idByValue
        self.agentValueCount = values.count
    }

    /// Whether `field` names the agent's host rather than an attribute.
    static func isHostname(_ field: String) -> Bool { field == "hostname" || field == "@hostname" }

    /// The value of `field` on `agent`: its host name for `hostname` (`--hostname`, as a Mesos
    /// agent's), else the attribute (`@region` and `@zone` also match attributes written without
    /// the `@`).
    static func value(of field: String, on agent: AgentInfo) -> String? {
        if isHostname(field) { return agent.hostname }
        if let v = agent.attributes[field] { return v }
        if field.hasPrefix("@") { return agent.attributes[String(field.dropFirst())] }
        return nil
    }

    /// The id of `value`, nil when no agent has it.
    func id(of value: String) -> Int32? { idByValue[value] }

    /// The id of `value`, adding it when new.
    func intern(_ value: String) -> Int32 {
        if let id = idByValue[value] { return id }
        let id = Int32(values.count)
        values.append(value)
        idByValue[value] = id
        return id
    }

    /// Number of distinct values known.
    var count: Int { values.count }
}

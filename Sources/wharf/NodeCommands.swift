import ArgumentParser
import Foundation

/// `wharf node`: the cluster's agents (Nomad's `nomad node`, `kubectl drain/uncordon`).
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "List agents, show one, drain one (move its instances elsewhere) or make it eligible again.",
        subcommands: [NodeListCommand.self, NodeShowCommand.self, NodeDrainCommand.self, NodeEligibleCommand.self],
        defaultSubcommand: NodeListCommand.self
    )
}

/// `wharf node [list]`: GET /v1/wharf/agents.
struct NodeListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List agents with status, resources and instances.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call("GET", "/v1/wharf/agents")
                if client.json { return print(response.bodyText, terminator: "") }
                let agents = response.json?["agents"]?.array ?? []
                guard !agents.isEmpty else { return print("No agents.") }
                var table = TableFormatter("ID", "ADDRESS", "STATUS", "CPUS", "MEM", "INSTANCES", "LAST SEEN")
                for agent in agents {
                    table.append([
                        agent["id"]?.text ?? "?", agent["address"]?.text ?? "-", agent["status"]?.text ?? "?",
                        NodeText.usage(agent, "cpus"), NodeText.usage(agent, "mem"),
                        agent["instances"]?.text ?? "0", agent["lastSeen"]?.text ?? "-",
                    ])
                }
                print(table.render())
            }
        }
    }
}

/// `wharf node show NODE`: GET /v1/wharf/agents/{node}.
struct NodeShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one agent.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Agent id, or the address the agent advertises.") var node: String

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call("GET", NodeText.path(node))
                if client.json { return print(response.bodyText, terminator: "") }
                guard let agent = response.json?["agent"] else { throw CLIError.usage("the server's answer has no 'agent' object") }
                print(NodeText.details(agent))
            }
        }
    }
}

/// `wharf node drain NODE`: POST /v1/wharf/agents/{node}/drain, then with --wait until it runs nothing.
struct NodeDrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Stop placing instances on an agent and move its instances to other agents.",
        discussion: """
            Each app moves within its upgradeStrategy: a replacement is started elsewhere and serves \
            before the instance it replaces is killed. Instances that fit nowhere else stay until room \
            appears (see /v2/queue). The drain lasts until `wharf node eligible NODE`.
            """)

    @OptionGroup var client: ClientOptions
    @OptionGroup var waiting: WaitOptions
    @Argument(help: "Agent id, or the address the agent advertises.") var node: String

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call("POST", NodeText.path(node, "/drain"))
                if client.json && !waiting.wait { return print(response.bodyText, terminator: "") }
                guard let agent = response.json?["agent"], let id = agent["id"]?.string else {
                    throw CLIError.usage("the server's answer has no 'agent' object")
                }
                guard waiting.wait else {
                    return print("Agent \(id) is draining; \(agent["instances"]?.text ?? "0") instances to move.")
                }
                let deadline = Date().addingTimeInterval(waiting.timeout)
                var left = agent["instances"]?.int ?? 0
                while left > 0 {
                    guard Date() < deadline else {
                        throw CLIError.timedOut("agent \(id) still runs \(left) instances after \(waiting.timeout) s; the drain goes on")
                    }
                    try await Task.sleep(for: .milliseconds(500))
                    left = try await api.call("GET", NodeText.path(id)).json?["agent"]?["instances"]?.int ?? 0
                }
                print("Agent \(id) is drained: it runs no instance.")
            }
        }
    }
}

/// `wharf node eligible NODE`: POST /v1/wharf/agents/{node}/eligible.
struct NodeEligibleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eligible", abstract: "End an agent's drain: new instances may be placed on it again.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Agent id, or the address the agent advertises.") var node: String

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call("POST", NodeText.path(node, "/eligible"))
                if client.json { return print(response.bodyText, terminator: "") }
                print("Agent \(response.json?["agent"]?["id"]?.text ?? node) is eligible for new instances.")
            }
        }
    }
}

/// How agents are shown.
enum NodeText {
    static func path(_ node: String, _ suffix: String = "") -> String {
        let escaped = node.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? node
        return "/v1/wharf/agents/" + escaped + suffix
    }

    /// `used/total` of one resource.
    static func usage(_ agent: JSON, _ resource: String) -> String {
        let used = agent["resources"]?["used"]?[resource]?.text ?? "0"
        guard let total = agent["resources"]?["total"]?[resource]?.text else { return used }
        return "\(used)/\(total)"
    }

    static func details(_ agent: JSON) -> String {
        var details = DetailFormatter()
        details.append("ID", agent["id"]?.text)
        details.append("Address", agent["address"]?.text)
        details.append("Status", agent["status"]?.text)
        details.append("Draining since", agent["drainingSince"]?.text)
        details.append("Attributes", agent["attributes"]?.object.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.text)" }.joined(separator: " ") })
        details.append("CPUs", usage(agent, "cpus"))
        details.append("Memory (MiB)", usage(agent, "mem"))
        details.append("Disk (MiB)", usage(agent, "disk"))
        details.append("Task ports", agent["portRanges"]?.array?.map(\.text).joined(separator: ","))
        details.append("Runtimes", agent["runtimes"]?.array?.map(\.text).joined(separator: ","))
        details.append("Isolation", agent["isolation"]?.text)
        details.append("Instances", agent["instances"]?.text)
        details.append("Last seen", agent["lastSeen"]?.text)
        details.append("Connected from", agent["connectedFrom"]?.text)
        details.append("Clock offset (s)", agent["clockOffsetSeconds"]?.text)
        details.append("Router serves", agent["routerIndex"].map { "catalog index \($0.text)" })
        for warning in agent["warnings"]?.array ?? [] { details.append("Warning", warning.text) }
        return details.render()
    }
}

import ArgumentParser
import Foundation
import Logging
import WharfServer

/// `wharf agent`: one node of a cluster, joining a `wharf server`.
struct AgentNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a node agent that joins a wharf server and runs the tasks it places here.",
        discussion: """
            Every flag can also be set by an environment variable (shown in brackets); a flag wins over \
            its variable. The agent dials the server (it needs no inbound port for the server), presents \
            the cluster --token, and reconnects with backoff whenever the connection ends. Its id is kept \
            in --data-dir (default ./.wharf-agent), so a restarted agent is the same node and re-adopts \
            its tasks. Stopping the agent leaves its tasks running.
            """
    )

    @Option(name: .customLong("join"), help: ArgumentHelp("The server's agent port, host:port; several comma-separated are tried in turn (required) [WHARF_JOIN].", valueName: "addresses"))
    var join: String?

    @Option(name: .customLong("token"), help: ArgumentHelp("The server's --token (required) [WHARF_TOKEN].", valueName: "secret"))
    var token: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Agent id, task records and sandboxes [WHARF_DATA_DIR] (default ./.wharf-agent).", valueName: "dir"))
    var dataDir: String?

    @Option(name: .customLong("hostname"), help: ArgumentHelp("This node's host name, for constraints and listings [WHARF_HOSTNAME] (default: the machine's).", valueName: "name"))
    var hostname: String?

    @Option(name: .customLong("advertise-ip"), help: ArgumentHelp("Address tasks are reached at: their host [WHARF_ADVERTISE_IP] (default: this machine's address towards the server).", valueName: "ip"))
    var advertiseIP: String?

    @Option(name: .customLong("task-ports"), help: ArgumentHelp("Host ports for tasks, e.g. 10000-20000 or 10000-10100,30000-31000 [WHARF_TASK_PORTS] (default 10000-20000).", valueName: "ranges"))
    var taskPorts: String?

    @Option(name: .customLong("attribute"), help: ArgumentHelp("A node attribute for constraints, KEY=VALUE; repeat for several [WHARF_ATTRIBUTES, comma-separated].", valueName: "key=value"))
    var attributes: [String] = []

    @Option(name: .customLong("router-port"), help: ArgumentHelp("Port of this node's HTTP edge router, following the server's catalog, or off [WHARF_ROUTER_PORT] (default 8000).", valueName: "port"))
    var routerPort: String?

    @Option(name: .customLong("dns-port"), help: ArgumentHelp("Port of this node's DNS server (UDP and TCP), or off [WHARF_DNS_PORT] (default 8600).", valueName: "port"))
    var dnsPort: String?

    @Option(name: .customLong("consul-port"), help: ArgumentHelp("Port of this node's Consul API (read side, blocking queries), or off [WHARF_CONSUL_PORT] (default off).", valueName: "port"))
    var consulPort: String?

    @OptionGroup var routing: RoutingOptions
    @OptionGroup var node: NodeOptions
    @OptionGroup var log: LogOptions
    @OptionGroup var metrics: MetricsOptions

    @Option(name: .customLong("metrics-port"), help: ArgumentHelp("Port of this node's /metrics (agent, router and DNS series, for Prometheus), bound to --router-bind's address, or off [WHARF_METRICS_PORT] (default 9180).", valueName: "port"))
    var metricsPort: String?

    @Option(name: .customLong("simulate"), help: ArgumentHelp("Instead of running tasks, join as N simulated agents that run nothing (each task reports running at once), each with its own connection: for load tests [WHARF_SIMULATE].", valueName: "n"))
    var simulate: String?

    func validate() throws {
        _ = try settings()
    }

    func run() async throws {
        let settings = try settings()
        let logger = bootstrapLogging(level: settings.logLevel)
        try await WharfAgentMain.run(configuration: settings.configuration, logger: logger)
    }

    /// Flags, then environment variables, then defaults.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AgentNodeSettings {
        try AgentNodeSettings(DevSettings.Source(flags: [
            "join": join, "token": token, "data-dir": dataDir, "hostname": hostname, "advertise-ip": advertiseIP,
            "task-ports": taskPorts, "router-port": routerPort, "dns-port": dnsPort, "consul-port": consulPort,
            "simulate": simulate, "metrics-port": metricsPort,
        ].adding(routing.flags, node.flags, log.flags, metrics.flags), environment: environment), attributes: attributes)
    }
}

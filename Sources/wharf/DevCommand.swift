import ArgumentParser
import Foundation
import Logging
import WharfModel
import WharfServer

/// `wharf dev`: control plane, agent and process runtime in one process, state in a local data dir.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the API, scheduler and a local agent in one process (Ctrl-C or SIGTERM to stop).",
        discussion: """
            Every flag can also be set by an environment variable (shown in brackets); a flag wins over \
            its variable. With no flags at all this serves Marathon's API on :8080, keeps state in ./.wharf, \
            gives tasks host ports from 31000-32000 and apps service ports from 10000-20000.

            Stopping wharf dev leaves every task running (the next start on the same data dir re-adopts \
            them); --stop-tasks-on-exit stops them first.
            """
    )

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("State database and task sandboxes [WHARF_DATA_DIR] (default ./.wharf).", valueName: "dir"))
    var dataDir: String?

    @Option(name: .customLong("api-port"), help: ArgumentHelp("Port of the HTTP API [WHARF_API_PORT] (default 8080).", valueName: "port"))
    var apiPort: String?

    @Option(help: ArgumentHelp("Address advertised to tasks and clients (HOST, task host) [WHARF_HOST] (default 127.0.0.1).", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Address the API binds to [WHARF_BIND] (default 0.0.0.0).", valueName: "address"))
    var bind: String?

    @Option(name: .customLong("task-ports"), help: ArgumentHelp("Host ports for tasks, e.g. 31000-32000 or 31000-31100,40000-41000 [WHARF_TASK_PORTS] (default 31000-32000, as Mesos).", valueName: "ranges"))
    var taskPorts: String?

    @Option(name: .customLong("service-ports"), help: ArgumentHelp("Service ports given to apps with port 0, on which TCP routes listen, as Marathon's --local_port_min/max [WHARF_SERVICE_PORTS] (default 10000-20000).", valueName: "range"))
    var servicePorts: String?

    @Flag(name: .customLong("stop-tasks-on-exit"), help: ArgumentHelp("On SIGINT (Ctrl-C) or SIGTERM, stop every task before exiting; apps stay defined and start again at the next start [WHARF_STOP_TASKS_ON_EXIT] (default: tasks keep running and are re-adopted)."))
    var stopTasksOnExit = false

    @Option(name: .customLong("simulated-agents"), help: ArgumentHelp("Run N simulated agents whose tasks run nothing, instead of the local agent (benchmarks, demos at scale) [WHARF_SIMULATED_AGENTS] (default 0).", valueName: "n"))
    var simulatedAgents: String?

    @Option(name: .customLong("router-port"), help: ArgumentHelp("Port of the HTTP edge router, or off [WHARF_ROUTER_PORT] (default 8000).", valueName: "port"))
    var routerPort: String?

    @Option(name: .customLong("dns-port"), help: ArgumentHelp("Port of the DNS server (UDP and TCP), or off [WHARF_DNS_PORT] (default 8600).", valueName: "port"))
    var dnsPort: String?

    @OptionGroup var routing: RoutingOptions
    @OptionGroup var node: NodeOptions
    @OptionGroup var deployments: DeploymentOptions
    @OptionGroup var log: LogOptions
    @OptionGroup var metrics: MetricsOptions

    @Option(name: .customLong("consul-port"), help: ArgumentHelp("Also serve the Consul API alone on this port, e.g. 8500 [WHARF_CONSUL_PORT] (default off; it is always on the API port).", valueName: "port"))
    var consulPort: String?

    func validate() throws {
        _ = try settings()
    }

    func run() async throws {
        let settings = try settings()
        let logger = bootstrapLogging(level: settings.logLevel)
        for warning in settings.warnings { logger.warning("\(warning)") }
        try await WharfDev.run(configuration: settings.configuration, logger: logger)
    }

    /// Flags, then environment variables, then defaults, checked and turned into a server configuration.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DevSettings {
        let source = DevSettings.Source(flags: [
            "data-dir": dataDir, "api-port": apiPort, "host": host, "bind": bind, "task-ports": taskPorts,
            "service-ports": servicePorts, "stop-tasks-on-exit": stopTasksOnExit ? "true" : nil,
            "simulated-agents": simulatedAgents, "router-port": routerPort, "dns-port": dnsPort, "consul-port": consulPort,
        ].adding(routing.flags, node.flags, deployments.flags, log.flags, metrics.flags), environment: environment)
        return try DevSettings(source)
    }
}

import ArgumentParser
import Foundation
import Logging
import WharfServer

/// `wharf server`: the control plane of a cluster, which `wharf agent`s join.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the control plane of a cluster: Marathon API, scheduler and deployments; agents join it with wharf agent --join.",
        discussion: """
            Every flag can also be set by an environment variable (shown in brackets); a flag wins over \
            its variable. Serves Marathon's API on :8080 and waits for agents on :8090; state is kept in \
            ./.wharf-server. Agents present the same --token. An agent not heard from for --agent-timeout \
            seconds is unreachable: its instances become TASK_UNREACHABLE and are replaced as their apps' \
            unreachableStrategy says. Stopping the server leaves every task running on its agent.
            """
    )

    @Option(name: .customLong("token"), help: ArgumentHelp("Shared cluster secret every agent presents to join (required) [WHARF_TOKEN].", valueName: "secret"))
    var token: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("State database [WHARF_DATA_DIR] (default ./.wharf-server).", valueName: "dir"))
    var dataDir: String?

    @Option(name: .customLong("api-port"), help: ArgumentHelp("Port of the HTTP API [WHARF_API_PORT] (default 8080).", valueName: "port"))
    var apiPort: String?

    @Option(name: .customLong("agent-port"), help: ArgumentHelp("Port agents connect to [WHARF_AGENT_PORT] (default 8090).", valueName: "port"))
    var agentPort: String?

    @Option(name: .customLong("agent-timeout"), help: ArgumentHelp("Seconds of silence after which an agent is unreachable [WHARF_AGENT_TIMEOUT] (default 10).", valueName: "seconds"))
    var agentTimeout: String?

    @Option(name: .customLong("reconnect-grace"), help: ArgumentHelp("Seconds after a start during which agents may reconnect before they count as unreachable [WHARF_RECONNECT_GRACE] (default 60).", valueName: "seconds"))
    var reconnectGrace: String?

    @Option(help: ArgumentHelp("Address the API and the agent port bind to [WHARF_BIND] (default 0.0.0.0).", valueName: "address"))
    var bind: String?

    @Option(help: ArgumentHelp("Address advertised for this server (/v2/leader, /v2/info) [WHARF_HOST] (default 127.0.0.1).", valueName: "address"))
    var host: String?

    @Option(name: .customLong("service-ports"), help: ArgumentHelp("Service ports given to apps with port 0, as Marathon's --local_port_min/max [WHARF_SERVICE_PORTS] (default 10000-20000).", valueName: "range"))
    var servicePorts: String?

    @Option(help: ArgumentHelp("etcd client URLs, comma-separated: keep the state in etcd and elect a leader among every wharf server given the same etcd and --etcd-prefix; without it, state is kept in SQLite in --data-dir [WHARF_ETCD].", valueName: "http://host:2379,..."))
    var etcd: String?

    @Option(name: .customLong("etcd-prefix"), help: ArgumentHelp("Key prefix of this cluster in etcd [WHARF_ETCD_PREFIX] (default /wharf/v1/).", valueName: "prefix"))
    var etcdPrefix: String?

    @Option(name: .customLong("max-txn-ops"), help: ArgumentHelp("Operations per etcd transaction, as etcd's own --max-txn-ops [WHARF_MAX_TXN_OPS] (default 128).", valueName: "n"))
    var maxTxnOps: String?

    @Option(name: .customLong("leader-lease"), help: ArgumentHelp("TTL of the leader's etcd lease in seconds: a dead leader is replaced within about this long [WHARF_LEADER_LEASE] (default 3, minimum 2).", valueName: "seconds"))
    var leaderLease: String?

    @Option(name: .customLong("etcd-compaction-interval"), help: ArgumentHelp("Seconds between compactions of old etcd revisions by the leader [WHARF_ETCD_COMPACTION_INTERVAL] (default 300).", valueName: "seconds"))
    var etcdCompactionInterval: String?

    @OptionGroup var deployments: DeploymentOptions
    @OptionGroup var log: LogOptions

    func validate() throws {
        _ = try settings()
    }

    func run() async throws {
        let settings = try settings()
        let logger = bootstrapLogging(level: settings.logLevel)
        for warning in settings.warnings { logger.warning("\(warning)") }
        try await WharfServerMain.run(configuration: settings.configuration, hub: settings.hub, ha: settings.ha, logger: logger)
    }

    /// Flags, then environment variables, then defaults.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerSettings {
        try ServerSettings(DevSettings.Source(flags: [
            "token": token, "data-dir": dataDir, "api-port": apiPort, "agent-port": agentPort, "agent-timeout": agentTimeout,
            "reconnect-grace": reconnectGrace, "bind": bind, "host": host, "service-ports": servicePorts,
            "etcd": etcd, "etcd-prefix": etcdPrefix, "max-txn-ops": maxTxnOps, "leader-lease": leaderLease,
            "etcd-compaction-interval": etcdCompactionInterval,
        ].adding(deployments.flags, log.flags), environment: environment))
    }
}

/// Sends every log line at `level` or above to standard error; returns the `wharf` logger.
func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "wharf")
    logger.logLevel = level
    return logger
}

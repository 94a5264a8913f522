import Foundation
import Logging
import ServiceLifecycle
import WharfAgent
import WharfDiscovery
import WharfMetrics
import WharfModel

/// `wharf agent`: one node of a cluster. Runs the node's tasks (process and Docker runtimes, health
/// checks, task records and re-adoption) and joins a `wharf server` over the agent link.
public enum WharfAgentMain {
    /// Starts the agent and runs until SIGTERM or SIGINT. Tasks keep running when it stops, and the
    /// next agent on the same data dir re-adopts them. Refuses to start on a data dir another process
    /// uses; ends with the server's reason when the server refuses the agent for good (wrong token,
    /// no common protocol version).
    public static func run(configuration: AgentNodeConfiguration, logger: Logger) async throws {
        if configuration.simulate > 0 { return try await runSimulated(configuration: configuration, logger: logger) }
        let dataDir = URL(fileURLWithPath: configuration.dataDir).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let lock = try DataDirLock(dataDir: dataDir, role: "wharf agent")
        defer { withExtendedLifetime(lock) {} }
        let agentId = try AgentIdentity.loadOrCreate(dataDir: dataDir)
        guard let first = configuration.servers.first else { throw AgentStartError(description: "--join names no server") }
        let host = try configuration.advertiseIP ?? {
            guard let address = LocalAddress.toward(host: first.host, port: first.port) else {
                throw AgentStartError(description: "cannot tell this machine's address towards \(first) "
                    + "(does the name resolve?): give the address tasks are reached at with --advertise-ip")
            }
            return address
        }()
        let capacity = NodeCapacity.detect(dataDir: dataDir, cpus: configuration.cpus, mem: configuration.mem, disk: configuration.disk)
        // This node's series (agent, router, DNS), served on --metrics-port.
        let metrics = MetricsRegistry()
        var agentConfiguration = AgentConfiguration(
            agentId: agentId, host: host, dataDir: dataDir, capacity: capacity, portRanges: configuration.taskPorts,
            attributes: configuration.attributes, hardCpuLimit: configuration.hardCpuLimit,
            dockerSocket: configuration.dockerSocket.isEmpty ? nil : configuration.dockerSocket,
            metrics: metrics, taskMetrics: configuration.taskMetrics)
        agentConfiguration.metricsPort = configuration.metricsPort
        agentConfiguration.output = configuration.taskOutput
        let agent = Agent(configuration: agentConfiguration, logger: logger)
        let discovery = configuration.discovery
        let servesDiscovery = discovery.routerPort != nil || discovery.dnsPort != nil || discovery.consulPort != nil
        var uplinkConfiguration = AgentUplinkConfiguration(servers: configuration.servers, token: configuration.token,
                                                           hostname: configuration.hostname)
        // The control plane's catalog, copied over the link, for this node's router, DNS and Consul API.
        let mirror = Catalog(startIndex: 1)
        if servesDiscovery {
            uplinkConfiguration.mirror = mirror
            uplinkConfiguration.servesRoutes = discovery.routerPort != nil
        }
        uplinkConfiguration.epochFile = dataDir + "/leader-epoch"
        uplinkConfiguration.clusterIdFile = dataDir + "/cluster-id"
        let uplink = try AgentUplink(agent: agent, configuration: uplinkConfiguration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: agent), .init(service: uplink)]
        if let port = configuration.metricsPort {
            services.append(.init(service: ListenerService(
                MetricsListener.application(metrics: metrics, bind: discovery.routerBind, port: port, logger: logger),
                what: "the metrics listener on \(discovery.routerBind):\(port)", flag: "--metrics-port")))
        }
        if servesDiscovery {
            let barrier = RoutingBarrier(onApplied: { _, index in uplink.routesApplied(index) })
            let source = DiscoverySource(catalog: mirror, discovery: discovery, nodeName: agentId, address: host,
                                         port: discovery.consulPort ?? 0, leader: { uplink.leaderAddress })
            services += WharfDev.discoveryServices(
                source: source, consulBind: discovery.routerBind, barrier: barrier, metrics: metrics, logger: logger,
                onListenerErrors: { errors in
                    for (port, reason) in errors.sorted(by: { $0.key < $1.key }) {
                        logger.warning("TCP route cannot listen on this node", metadata: ["port": "\(port)", "reason": "\(reason)"])
                    }
                })
        }
        logger.info("wharf agent starting", metadata: [
            "agent": "\(agentId)", "hostname": "\(configuration.hostname)", "host": "\(host)", "dataDir": "\(dataDir)",
            "join": "\(configuration.servers.map(\.description).joined(separator: ","))",
            "cpus": "\(capacity.cpus)", "mem": "\(capacity.mem)", "disk": "\(capacity.disk)",
            "metrics": "\(configuration.metricsPort.map { "http://\(discovery.routerBind):\($0)/metrics" } ?? "off")",
            "taskPorts": "\(configuration.taskPorts.map(\.description).joined(separator: ","))",
            "attributes": "\(configuration.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
        ])
        // The agent first, so that it is stopped last: the router, DNS and Consul API stop, the
        // link closes, then supervision stops.
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.notice("wharf agent stopped; its tasks keep running and are re-adopted at the next start on \(dataDir)")
    }
}

extension WharfAgentMain {
    /// `wharf agent --simulate N`: N simulated agents (``SimulatedAgent``), ids and host names
    /// `<hostname>-sim-<i>`, each offering `--cpus`/`--mem`/`--disk` (default 4 CPUs, 8 GiB, 100 GiB)
    /// and the task ports, each over its own connection, until SIGTERM or SIGINT. Unless the
    /// router, DNS and Consul ports are all off, each also follows the catalog into its own copy
    /// (as a real agent would for its router; no listener is opened).
    static func runSimulated(configuration: AgentNodeConfiguration, logger: Logger) async throws {
        let host = configuration.advertiseIP ?? "127.0.0.1"
        let capacity = Resources(cpus: configuration.cpus ?? 4, mem: configuration.mem ?? 8192, disk: configuration.disk ?? 102_400)
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let discovery = configuration.discovery
        let followsCatalog = discovery.routerPort != nil || discovery.dnsPort != nil || discovery.consulPort != nil
        let uplinks = try (0..<configuration.simulate).map { index in
            let name = "\(configuration.hostname)-sim-\(index)"
            let info = AgentInfo(id: name, host: host, capacity: capacity, portRanges: configuration.taskPorts,
                                 attributes: configuration.attributes.merging(["simulated": "true"]) { own, _ in own },
                                 runtimes: ["process", "docker"], isolation: "none: simulated agent", hostname: name)
            var uplink = AgentUplinkConfiguration(servers: configuration.servers, token: configuration.token, hostname: name)
            if followsCatalog { uplink.mirror = Catalog(startIndex: 1) }
            return try AgentUplink(agent: SimulatedAgent(info: info), configuration: uplink, logger: quiet)
        }
        logger.info("simulated agents starting", metadata: [
            "agents": "\(configuration.simulate)", "join": "\(configuration.servers.map(\.description).joined(separator: ","))",
            "cpus": "\(capacity.cpus)", "mem": "\(capacity.mem)", "followCatalog": "\(followsCatalog)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: uplinks.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet))
        try await group.run()
    }
}

/// Why `wharf agent` cannot start.
struct AgentStartError: Error, CustomStringConvertible {
    var description: String
}

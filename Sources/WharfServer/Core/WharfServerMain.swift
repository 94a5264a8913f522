import Foundation
import Logging
import ServiceLifecycle
import WharfEtcd
import WharfMetrics
import WharfModel
import WharfStore

/// `wharf server`: the control plane of a cluster — Marathon API, scheduler, deployments, catalog
/// and events on a SQLite store — with the agent port `wharf agent`s join. It runs no agent itself.
public enum WharfServerMain {
    /// Starts the control plane and the agent port and runs until SIGTERM or SIGINT. Agents keep
    /// their tasks while the server is away and reconnect; they have `agentReregistrationSeconds`
    /// after a start before they count as unreachable. Refuses to start on a data dir another
    /// process uses.
    ///
    /// With `ha` (`--etcd`), the state is kept in etcd and the server is one of several; see
    /// `runHA`. The data dir then only holds the lock that keeps two servers off one directory.
    public static func run(configuration: ServerConfiguration, hub hubConfiguration: AgentHubConfiguration,
                           ha: HAConfiguration? = nil, logger: Logger) async throws {
        var configuration = configuration
        configuration.agentTimeoutSeconds = hubConfiguration.agentTimeoutSeconds
        configuration.simulatedAgents = 0
        let dataDir = URL(fileURLWithPath: configuration.dataDir).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let lock = try DataDirLock(dataDir: dataDir, role: "wharf server")
        defer { withExtendedLifetime(lock) {} }
        if let ha {
            return try await runHA(configuration: configuration, hub: hubConfiguration, ha: ha, dataDir: dataDir, logger: logger)
        }
        let store = try await SQLiteStore.open(path: dataDir + "/state.db", logger: logger)

        var hubConfiguration = hubConfiguration
        hubConfiguration.apiAddress = SystemRoutes.leaderAddress(configuration)
        let hub = AgentHub(configuration: hubConfiguration, logger: logger)
        let controlPlane = ControlPlane(configuration: configuration, store: store, link: hub,
                                        isolationNote: "per agent (wharf node show)", logger: logger)
        // Every agent's router, DNS and Consul API follow the catalog; kills wait for their routers.
        hub.follow(controlPlane.catalog, routing: controlPlane.routing)
        do {
            try await controlPlane.load()
        } catch {
            await WharfDev.close(store, logger: logger)
            throw error
        }
        // Stopped in reverse order: the API first, then the agent port, then the control plane.
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: controlPlane),
            .init(service: ListenerService(hub, what: "the agent port on \(hubConfiguration.bindAddress):\(hubConfiguration.port)",
                                           flag: "--agent-port", canTurnOff: false)),
            .init(service: ListenerService(
                WharfDev.makeAPIApplication(controlPlane: controlPlane, logger: logger),
                what: "the API on \(configuration.bindAddress):\(configuration.apiPort)", flag: "--api-port", canTurnOff: false)),
            .init(service: CatalogCloser(catalog: controlPlane.catalog)),
        ]
        logger.info("wharf server starting", metadata: [
            "api": "http://\(configuration.bindAddress):\(configuration.apiPort)",
            "agentPort": "\(hubConfiguration.bindAddress):\(hubConfiguration.port)", "dataDir": "\(dataDir)",
            "agentTimeout": "\(hubConfiguration.agentTimeoutSeconds)",
            "reconnectGrace": "\(configuration.agentReregistrationSeconds)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await WharfDev.close(store, logger: logger)
            throw error
        }
        try await store.close()
        logger.notice("wharf server stopped; agents keep their tasks and reconnect when a server is back on \(dataDir)")
    }

    /// `wharf server --etcd ...`: one of several servers on one etcd. It serves the API at once
    /// (forwarded to the leader, or 502 while none is elected), campaigns for leadership and runs a
    /// control plane only while it leads; its agent port sends agents to the leader meanwhile.
    static func runHA(configuration: ServerConfiguration, hub hubConfiguration: AgentHubConfiguration,
                      ha: HAConfiguration, dataDir: String, logger: Logger) async throws {
        let client = EtcdClient(endpoints: ha.endpoints, logger: logger, requestTimeout: .milliseconds(Int64(ha.requestTimeoutSeconds * 1000)))
        let store = EtcdStore(client: client, prefix: ha.statePrefix, maxTxnOps: ha.maxTxnOps, logger: logger)
        let apiAddress = SystemRoutes.leaderAddress(configuration)
        var hubConfiguration = hubConfiguration
        hubConfiguration.apiAddress = apiAddress
        let serverId = UUID().uuidString.lowercased()
        let hub = AgentHub(configuration: hubConfiguration, serverId: serverId, logger: logger)
        // Until elected, agents are sent elsewhere.
        hub.follow(leader: nil)
        let record = ServerRecord(id: serverId, apiAddress: apiAddress,
                                  agentAddress: "\(configuration.advertisedHost):\(hubConfiguration.port)",
                                  startedAt: .now(), software: WireProtocol.software)
        // The proxy reads leadership at every request; the leadership installs each term's API in it.
        let elected = LockedValue<ServerLeadership?>(nil)
        let proxy = LeaderProxyResponder(
            view: { elected.withLock { $0 }?.view() ?? LeaderView(isLeader: false, myAPIAddress: apiAddress) },
            abdicate: { elected.withLock { $0 }?.abdicate() ?? false }, logger: logger, metrics: configuration.metrics)
        let leadership = ServerLeadership(
            configuration: configuration, ha: ha, client: client, store: store, hub: hub, record: record,
            token: hubConfiguration.token, isolationNote: "per agent (wharf node show)", logger: logger,
            onTerm: { controlPlane in proxy.setLocal(controlPlane.map { WharfDev.makeAPIResponder(controlPlane: $0) }) })
        elected.withLock { $0 = leadership }
        let leads = configuration.metrics.gauge(MetricFamilies.leader)
        configuration.metrics.setCollector(named: "leadership") {
            leads.set(to: elected.withLock { $0 }?.view().isLeader == true ? 1 : 0)
        }
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: leadership),
            .init(service: ListenerService(hub, what: "the agent port on \(hubConfiguration.bindAddress):\(hubConfiguration.port)",
                                           flag: "--agent-port", canTurnOff: false)),
            .init(service: ListenerService(
                WharfDev.makeHAAPIApplication(proxy: proxy, bind: configuration.bindAddress, port: configuration.apiPort, logger: logger),
                what: "the API on \(configuration.bindAddress):\(configuration.apiPort)", flag: "--api-port", canTurnOff: false)),
        ]
        logger.info("wharf server starting (HA on etcd)", metadata: [
            "api": "http://\(configuration.bindAddress):\(configuration.apiPort)",
            "agentPort": "\(hubConfiguration.bindAddress):\(hubConfiguration.port)", "etcd": "\(ha.endpoints.joined(separator: ","))",
            "prefix": "\(ha.prefix)", "leaderLease": "\(ha.leaseTTLSeconds)", "server": "\(serverId)", "dataDir": "\(dataDir)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        logger.notice("wharf server stopped; agents keep their tasks and follow the next leader")
    }
}

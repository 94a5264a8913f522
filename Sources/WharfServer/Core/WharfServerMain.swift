import Foundation
import Logging
import ServiceLifecycle
import WharfModel
import WharfStore

/// `wharf server`: the control plane of a cluster — Marathon API, scheduler, deployments, catalog
/// and events on a SQLite store — with the agent port `wharf agent`s join. It runs no agent itself.
public enum WharfServerMain {
    /// Starts the control plane and the agent port and runs until SIGTERM or SIGINT. Agents keep
    /// their tasks while the server is away and reconnect; they have `agentReregistrationSeconds`
    /// after a start before they count as unreachable. Refuses to start on a data dir another
    /// process uses.
    public static func run(configuration: ServerConfiguration, hub hubConfiguration: AgentHubConfiguration, logger: Logger) async throws {
        var configuration = configuration
        configuration.agentTimeoutSeconds = hubConfiguration.agentTimeoutSeconds
        configuration.simulatedAgents = 0
        let dataDir = URL(fileURLWithPath: configuration.dataDir).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let lock = try DataDirLock(dataDir: dataDir, role: "wharf server")
        defer { withExtendedLifetime(lock) {} }
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
}

import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import WharfAgent
import WharfModel
import WharfStore

/// `wharf dev`: the control plane, one agent and the API in one process, on a SQLite file.
public enum WharfDev {
    /// Starts everything and runs until SIGTERM or SIGINT, then shuts down cleanly: the API stops
    /// accepting requests, the control plane flushes its state, the agent stops supervising. Tasks
    /// keep running and are re-adopted by the next start.
    public static func run(configuration: ServerConfiguration, logger: Logger) async throws {
        let dataDir = URL(fileURLWithPath: configuration.dataDir).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let store = try await SQLiteStore.open(path: dataDir + "/state.db", logger: logger)

        let capacity = NodeCapacity.detect(dataDir: dataDir, cpus: configuration.cpus, mem: configuration.mem,
                                           disk: configuration.disk)
        let link: any AgentLink
        let isolation: String
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if configuration.simulatedAgents > 0 {
            link = SimulatedAgentLink(
                count: configuration.simulatedAgents, capacity: capacity,
                portRange: configuration.taskPorts.first ?? PortRange(begin: 10000, end: 20000),
                host: configuration.advertisedHost)
            isolation = "none: simulated agents"
        } else {
            let agent = Agent(
                configuration: AgentConfiguration(
                    agentId: "local", host: configuration.advertisedHost, dataDir: dataDir, capacity: capacity,
                    portRanges: configuration.taskPorts,
                    defaultKillGracePeriodSeconds: configuration.defaultKillGracePeriodSeconds,
                    hardCpuLimit: configuration.hardCpuLimit,
                    dockerSocket: configuration.dockerSocket.isEmpty ? nil : configuration.dockerSocket),
                logger: logger)
            link = LocalAgentLink(agent: agent)
            isolation = await agent.info.isolation
            services.append(.init(service: agent))
            if isolation.hasPrefix("none") {
                logger.warning("resource limits are not enforced on this host: \(isolation)")
            }
        }

        let controlPlane = ControlPlane(configuration: configuration, store: store, link: link,
                                        isolationNote: isolation, logger: logger)
        try await controlPlane.load()
        services.append(.init(service: controlPlane))
        services.append(.init(service: makeAPIApplication(controlPlane: controlPlane, logger: logger)))

        logger.info("wharf dev starting", metadata: [
            "api": "http://\(configuration.bindAddress):\(configuration.apiPort)", "dataDir": "\(dataDir)",
            "cpus": "\(capacity.cpus)", "mem": "\(capacity.mem)", "taskPorts": "\(configuration.taskPorts)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    /// The HTTP API: Marathon v2 routes and the OpenAPI document.
    static func makeAPIApplication(controlPlane: ControlPlane, logger: Logger) -> some Service {
        let router = Router()
        MarathonRoutes(controlPlane: controlPlane).register(on: router)
        let configuration = controlPlane.configuration
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.bindAddress, port: configuration.apiPort), serverName: "wharf"),
            logger: logger)
    }
}

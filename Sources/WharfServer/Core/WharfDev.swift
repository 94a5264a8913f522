import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WharfAgent
import WharfDiscovery
import WharfModel
import WharfRouter
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
        do {
            try await controlPlane.load()
        } catch {
            // Records of a newer wharf, or a store that cannot be read: nothing runs, not even the
            // agent, so no task is touched.
            await close(store, logger: logger)
            throw error
        }
        services.append(.init(service: controlPlane))
        services.append(.init(service: makeAPIApplication(controlPlane: controlPlane, logger: logger)))
        services += discoveryServices(controlPlane: controlPlane, logger: logger)

        let discovery = configuration.discovery
        logger.info("wharf dev starting", metadata: [
            "api": "http://\(configuration.bindAddress):\(configuration.apiPort)", "dataDir": "\(dataDir)",
            "router": "\(discovery.routerPort.map { "http://\(discovery.routerBind):\($0)" } ?? "off")",
            "dns": "\(discovery.dnsPort.map { "\(discovery.dnsBind):\($0)" } ?? "off")",
            "cpus": "\(capacity.cpus)", "mem": "\(capacity.mem)", "taskPorts": "\(configuration.taskPorts)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            await close(store, logger: logger)
            throw error
        }
        try await store.close()
    }

    /// Closes the store on the way out after an error, which is what gets reported; a failure to
    /// close is logged (every acknowledged write is durable already).
    private static func close(_ store: SQLiteStore, logger: Logger) async {
        do {
            try await store.close()
        } catch {
            logger.warning("closing the state store failed: \(error)")
        }
    }

    /// The HTTP API: Marathon v2 routes, Consul's read API and the OpenAPI document.
    static func makeAPIApplication(controlPlane: ControlPlane, logger: Logger) -> some Service {
        let router = Router()
        MarathonRoutes(controlPlane: controlPlane).register(on: router)
        let configuration = controlPlane.configuration
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.bindAddress, port: configuration.apiPort), serverName: "wharf"),
            logger: logger)
    }

    /// The edge router fed from the catalog, the DNS server and the Consul-only port, as configured.
    static func discoveryServices(controlPlane: ControlPlane, logger: Logger) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let configuration = controlPlane.configuration
        let discovery = configuration.discovery
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let port = discovery.routerPort {
            let router = EdgeRouter(configuration: routerConfiguration(discovery, port: port), logger: logger)
            services.append(.init(service: ListenerService(router, what: "the edge router on \(discovery.routerBind):\(port)", flag: "--router-port")))
            services.append(.init(service: RouteFeeder(catalog: controlPlane.catalog, router: router,
                                                       builder: RouteTableBuilder(configuration: discovery),
                                                       barrier: controlPlane.routing, logger: logger)))
        }
        if let port = discovery.dnsPort {
            let dns = DNSConfiguration(bindAddress: discovery.dnsBind, port: port, domain: "consul",
                                       extraDomains: discovery.dnsExtraDomains, ttl: discovery.dnsTTL)
            services.append(.init(service: ListenerService(DNSServer(configuration: dns, catalog: controlPlane.catalog, logger: logger),
                                                           what: "the DNS server on \(discovery.dnsBind):\(port)", flag: "--dns-port")))
        }
        if let port = discovery.consulPort {
            let router = Router()
            ConsulRoutes(controlPlane: controlPlane).register(on: router)
            services.append(.init(service: Application(
                router: router,
                configuration: .init(address: .hostname(configuration.bindAddress, port: port), serverName: "wharf"),
                logger: logger)))
        }
        // Last, so that it is stopped first: blocking Consul queries end before the API servers
        // wait for their requests to finish.
        services.append(.init(service: CatalogCloser(catalog: controlPlane.catalog)))
        return services
    }
}

/// The router's settings from `wharf dev`'s: listeners and `--router-timeouts`.
func routerConfiguration(_ discovery: DiscoveryConfiguration, port: Int) -> RouterConfiguration {
    var configuration = RouterConfiguration(bindAddress: discovery.routerBind, httpPort: port)
    func amount(_ name: String) -> TimeAmount? {
        discovery.routerTimeouts[name].map { .nanoseconds(Int64($0 * 1e9)) }
    }
    if let value = amount("connect") { configuration.connectTimeout = value }
    if let value = amount("header") { configuration.requestHeaderTimeout = value }
    if let value = amount("backend") { configuration.backendTimeout = value }
    if let value = amount("idle") { configuration.clientIdleTimeout = value }
    if let value = amount("tunnel") { configuration.tunnelIdleTimeout = value }
    return configuration
}

/// A listening service whose start-up failure names what could not listen and the flag to change.
struct ListenerService<Wrapped: Service>: Service {
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    let wrapped: Wrapped
    let what: String
    let flag: String

    init(_ wrapped: Wrapped, what: String, flag: String) {
        self.wrapped = wrapped
        self.what = what
        self.flag = flag
    }

    func run() async throws {
        do {
            try await wrapped.run()
        } catch let error as CancellationError {
            throw error
        } catch {
            throw StartError(description: "\(what) failed: \(error) (another port: \(flag) PORT, or \(flag) off)")
        }
    }
}

/// Ends the catalog's blocking waits at graceful shutdown.
struct CatalogCloser: Service {
    let catalog: Catalog

    func run() async throws {
        try? await gracefulShutdown()
        catalog.close()
    }
}

import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WharfAgent
import WharfDiscovery
import WharfMetrics
import WharfModel
import WharfRouter
import WharfStore

/// `wharf dev`: the control plane, one agent and the API in one process, on a SQLite file.
public enum WharfDev {
    /// Starts everything and runs until SIGTERM or SIGINT, then shuts down cleanly: the API stops
    /// accepting requests, the control plane flushes its state, the agent stops supervising. Tasks
    /// keep running and are re-adopted by the next start, unless `stopTasksOnExit` stops them
    /// first. Refuses to start on a data dir another process uses, or when a listener port is taken.
    public static func run(configuration: ServerConfiguration, logger: Logger) async throws {
        let dataDir = URL(fileURLWithPath: configuration.dataDir).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let lock = try DataDirLock(dataDir: dataDir)
        defer { withExtendedLifetime(lock) {} }
        try ListenerPreflight.check(configuration)
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
            var agentConfiguration = AgentConfiguration(
                agentId: "local", host: configuration.advertisedHost, dataDir: dataDir, capacity: capacity,
                portRanges: configuration.taskPorts,
                defaultKillGracePeriodSeconds: configuration.defaultKillGracePeriodSeconds,
                hardCpuLimit: configuration.hardCpuLimit,
                dockerSocket: configuration.dockerSocket.isEmpty ? nil : configuration.dockerSocket,
                servicePortRanges: configuration.discovery.routesServicePorts ? [configuration.servicePorts] : [],
                metrics: configuration.metrics, taskMetrics: configuration.taskMetrics)
            agentConfiguration.output = configuration.taskOutput
            let agent = Agent(configuration: agentConfiguration, logger: logger)
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
        services.append(.init(service: ListenerService(
            makeAPIApplication(controlPlane: controlPlane, logger: logger),
            what: "the API on \(configuration.bindAddress):\(configuration.apiPort)", flag: "--api-port", canTurnOff: false)))
        services += discoveryServices(controlPlane: controlPlane, logger: logger)
        if configuration.stopTasksOnExit {
            // Last, so that it is stopped first: the API, router and agent still run while tasks stop.
            services.append(.init(service: TasksStoppedOnExit(controlPlane: controlPlane, logger: logger)))
        }

        let discovery = configuration.discovery
        logger.info("wharf dev starting", metadata: [
            "api": "http://\(configuration.bindAddress):\(configuration.apiPort)", "dataDir": "\(dataDir)",
            "router": "\(discovery.routerPort.map { "http://\(discovery.routerBind):\($0)" } ?? "off")",
            "dns": "\(discovery.dnsPort.map { "\(discovery.dnsBind):\($0)" } ?? "off")",
            "cpus": "\(capacity.cpus)", "mem": "\(capacity.mem)",
            "taskPorts": "\(configuration.taskPorts.map(\.description).joined(separator: ","))",
            "servicePorts": "\(configuration.servicePorts)",
        ])
        if configuration.simulatedAgents == 0 {
            let note = configuration.stopTasksOnExit
                ? "--stop-tasks-on-exit: every task is stopped when wharf dev stops; apps stay defined and start again at the next start"
                : "tasks keep running when wharf dev stops (Ctrl-C, SIGTERM) and are re-adopted at the next start on \(dataDir); "
                    + "to stop them, destroy their apps first (wharf app destroy ID) or run wharf dev --stop-tasks-on-exit"
            logger.notice("\(note)")
        }
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
        if configuration.simulatedAgents == 0 {
            let state = await controlPlane.currentState()
            logger.notice("\(stopSummary(state, configuration: configuration, dataDir: dataDir))")
        }
    }

    /// What the user should know at exit: how many tasks keep running, and how to stop them.
    static func stopSummary(_ state: ClusterState, configuration: ServerConfiguration, dataDir: String) -> String {
        let active = state.instances.values.filter(\.isActive)
        guard !active.isEmpty else { return "wharf dev stopped; no task is running" }
        let apps = Set(active.map(\.appId)).sorted()
        let named = apps.prefix(5).map(\.description).joined(separator: ", ") + (apps.count > 5 ? ", ..." : "")
        let tasks = active.count == 1 ? "1 task keeps" : "\(active.count) tasks keep"
        let flags = dataDir == URL(fileURLWithPath: "./.wharf").standardizedFileURL.path ? "" : " --data-dir \(dataDir)"
        if configuration.stopTasksOnExit {
            return "wharf dev stopped; \(tasks) running although --stop-tasks-on-exit asked them to stop (\(named)): "
                + "they did not end within their kill grace period; the next start (wharf dev\(flags)) finishes stopping them"
        }
        return "wharf dev stopped; \(tasks) running (\(named)), re-adopted at the next start (wharf dev\(flags)). "
            + "To stop them: start wharf dev again and destroy the apps (wharf app destroy ID), "
            + "or stop it with --stop-tasks-on-exit next time"
    }

    /// Closes the store on the way out after an error, which is what gets reported; a failure to
    /// close is logged (every acknowledged write is durable already).
    static func close(_ store: SQLiteStore, logger: Logger) async {
        do {
            try await store.close()
        } catch {
            logger.warning("closing the state store failed: \(error)")
        }
    }

    /// The HTTP API: Marathon v2 routes, Consul's read API and the OpenAPI document.
    static func makeAPIApplication(controlPlane: ControlPlane, logger: Logger) -> some Service {
        let configuration = controlPlane.configuration
        return Application(
            responder: makeAPIResponder(controlPlane: controlPlane),
            configuration: .init(address: .hostname(configuration.bindAddress, port: configuration.apiPort), serverName: "wharf"),
            logger: logger)
    }

    /// What the API answers with from `controlPlane`: the responder of `wharf dev`'s API, and the
    /// one a server in a cluster installs in its `LeaderProxyResponder` while it leads.
    public static func makeAPIResponder(controlPlane: ControlPlane) -> some HTTPResponder<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        MarathonRoutes(controlPlane: controlPlane).register(on: router)
        return router.buildResponder()
    }

    /// The edge router fed from the control plane's catalog, the DNS server and the Consul-only
    /// port, as configured.
    static func discoveryServices(controlPlane: ControlPlane, logger: Logger) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        discoveryServices(source: controlPlane.discoverySource, consulBind: controlPlane.configuration.bindAddress,
                          barrier: controlPlane.routing, metrics: controlPlane.configuration.metrics, logger: logger,
                          onListenerErrors: { errors in await controlPlane.routeListenersChanged(errors) })
    }

    /// The edge router, the DNS server and the Consul-only port over `source`'s catalog, as its
    /// discovery configuration asks: what `wharf dev` runs next to its control plane and every
    /// agent of a cluster runs over its mirror of the control plane's catalog. The router tells
    /// `barrier` which catalog index it serves, and `onListenerErrors` which TCP routes cannot listen.
    /// The router (unless `discovery.routerMetrics` is off) and the DNS server count into `metrics`.
    public static func discoveryServices(
        source: DiscoverySource, consulBind: String, barrier: RoutingBarrier, metrics: MetricsRegistry, logger: Logger,
        onListenerErrors: @escaping @Sendable ([Int: String]) async -> Void
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let discovery = source.discovery
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let port = discovery.routerPort {
            let router = EdgeRouter(configuration: routerConfiguration(discovery, port: port), logger: logger,
                                    metrics: discovery.routerMetrics ? RouterMetrics(registry: metrics) : nil)
            services.append(.init(service: ListenerService(router, what: "the edge router on \(discovery.routerBind):\(port)", flag: "--router-port")))
            services.append(.init(service: RouteFeeder(
                catalog: source.catalog, router: router, builder: RouteTableBuilder(configuration: discovery),
                barrier: barrier, logger: logger, onListenerErrors: onListenerErrors)))
        }
        if let port = discovery.dnsPort {
            let dns = DNSConfiguration(bindAddress: discovery.dnsBind, port: port, domain: "consul",
                                       extraDomains: discovery.dnsExtraDomains, ttl: discovery.dnsTTL)
            services.append(.init(service: ListenerService(DNSServer(configuration: dns, catalog: source.catalog, logger: logger, metrics: metrics),
                                                           what: "the DNS server on \(discovery.dnsBind):\(port)", flag: "--dns-port")))
        }
        if let port = discovery.consulPort {
            let router = Router()
            ConsulRoutes(source: source).register(on: router)
            services.append(.init(service: Application(
                router: router,
                configuration: .init(address: .hostname(consulBind, port: port), serverName: "wharf"),
                logger: logger)))
        }
        // Last, so that it is stopped first: blocking Consul queries end before the API servers
        // wait for their requests to finish.
        services.append(.init(service: CatalogCloser(catalog: source.catalog)))
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
    /// Whether the flag accepts `off`.
    let canTurnOff: Bool

    init(_ wrapped: Wrapped, what: String, flag: String, canTurnOff: Bool = true) {
        self.wrapped = wrapped
        self.what = what
        self.flag = flag
        self.canTurnOff = canTurnOff
    }

    func run() async throws {
        do {
            try await wrapped.run()
        } catch let error as CancellationError {
            throw error
        } catch {
            throw StartError(description: "\(what) failed: \(error) (another port: \(flag) PORT"
                + (canTurnOff ? ", or \(flag) off)" : ")"))
        }
    }
}

/// `--stop-tasks-on-exit`: at graceful shutdown, before anything else stops, stops every task and
/// waits for them (bounded by their kill grace periods).
struct TasksStoppedOnExit: Service {
    let controlPlane: ControlPlane
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled rather than shut down gracefully: leave the tasks alone
        }
        let count = await controlPlane.currentState().instances.values.filter(\.isActive).count
        logger.notice("stopping \(count) task\(count == 1 ? "" : "s") before exit (--stop-tasks-on-exit)")
        let result = await controlPlane.stopAllTasks()
        if result.remaining == 0 {
            logger.notice("every task stopped; the apps stay defined and are launched again at the next start")
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

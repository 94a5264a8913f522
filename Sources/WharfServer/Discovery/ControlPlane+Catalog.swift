import WharfDiscovery
import WharfModel
import WharfScheduler

extension ControlPlane {
    /// Tells the catalog about every app whose instances or definition changed since the last call,
    /// and about the agents. Synchronous: call it after a change and before acting on it (a kill is
    /// published here before the agent is told, so the instance leaves routing first).
    func publishCatalog() {
        let changed = state.catalogChanges
        state.catalogChanges = []
        if state.agentsChanged {
            state.agentsChanged = false
            catalog.setNodes(state.agents.values.map { CatalogNode(name: $0.id, address: $0.host) })
        }
        guard !changed.isEmpty else { return }
        var services: [PathId: [CatalogService]] = [:]
        for id in changed {
            guard let app = state.apps[id] else {
                services[id] = []
                continue
            }
            let current = Scheduler.configVersion(of: app)
            let members = (state.instanceIdsByApp[id] ?? []).compactMap { state.instances[$0] }
                .filter { $0.state == .running && $0.goal == .running }
                .map { instance -> CatalogMember in
                    // An instance of the previous definition (during a deployment) is judged by
                    // the checks it runs and published on the port it has for each current port.
                    guard instance.configVersion != current, let launched = definition(of: instance) else {
                        return Self.member(instance, of: app)
                    }
                    var remapped = instance
                    remapped.ports = CatalogService.remapPorts(instance.ports, from: launched, to: app)
                    return Self.member(remapped, of: launched)
                }
            services[id] = CatalogService.services(of: app, members: members)
        }
        catalog.replace(services)
    }

    /// An instance's catalog health: passing once it serves (checks passed and ready), as the
    /// deployment logic decides; critical with the reason otherwise.
    static func member(_ instance: Instance, of app: AppDefinition) -> CatalogMember {
        if Scheduler.isServing(instance, of: app) {
            return CatalogMember(instance: instance, health: .passing, output: "ok")
        }
        let output: String
        if let reason = instance.health?.killReason {
            output = reason
        } else if instance.healthy == false {
            output = "health check failing"
        } else if !instance.isReady {
            output = "readiness check not passed yet"
        } else {
            output = "health checks not passed yet"
        }
        return CatalogMember(instance: instance, health: .critical, output: output)
    }

    /// Service ports the local edge router listens on, which tasks must not get as host ports
    /// (`--service-ports` and `--task-ports` are disjoint by default, but may be set to overlap).
    func routedServicePorts() -> [Int] {
        let discovery = configuration.discovery
        guard discovery.routerPort != nil, discovery.tcpRoutes, configuration.simulatedAgents == 0 else { return [] }
        let snapshot = catalog.snapshot
        if let cached = routedPortsCache, cached.index == snapshot.index { return cached.ports }
        let ports = snapshot.allServices.filter(\.routesTCP).map(\.servicePort)
        routedPortsCache = (snapshot.index, ports)
        return ports
    }
}

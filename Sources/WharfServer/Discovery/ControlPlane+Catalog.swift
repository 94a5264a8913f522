import WharfDiscovery
import WharfModel
import WharfScheduler

extension ControlPlane {
    /// Tells the catalog about every app whose instances or definition changed since the last call,
    /// and about the agents. Synchronous: call it after a change and before acting on it (a kill is
    /// published here before the agent is told, so the instance leaves routing first).
    ///
    /// Costs the instances that changed: an app's services are kept (`AppServices`) and updated
    /// member by member; they are rebuilt only when the app's definition, or the deployments that
    /// decide how its older instances are published, changed.
    func publishCatalog() {
        let changedApps = state.catalogChanges
        let changedInstances = state.catalogInstanceChanges
        state.catalogChanges = []
        state.catalogInstanceChanges = [:]
        if state.agentsChanged {
            state.agentsChanged = false
            catalog.setNodes(state.agents.values.map { CatalogNode(name: $0.id, address: $0.host) })
        }
        guard !changedApps.isEmpty || !changedInstances.isEmpty else { return }
        var deploymentsByApp: [PathId: [String]] = [:]
        for deployment in state.deployments.values {
            for app in deployment.affectedApps { deploymentsByApp[app, default: []].append(deployment.id) }
        }
        var services: [PathId: [CatalogService]] = [:]
        for id in changedApps.union(changedInstances.keys) {
            guard let app = state.apps[id] else {
                publishedServices[id] = nil
                services[id] = []
                continue
            }
            let deployments = (deploymentsByApp[id] ?? []).sorted()
            if !changedApps.contains(id),
               publishedServices[id].map({ $0.services.app == app && $0.deployments == deployments }) == true,
               // Taken out while it changes, so that its arrays are not copied for a second owner.
               var known = publishedServices.removeValue(forKey: id) {
                var changed = false
                for instanceId in changedInstances[id] ?? [] {
                    if let instance = state.instances[instanceId], let member = catalogMember(instance, of: app) {
                        if known.services.upsert(member) { changed = true }
                    } else if known.services.remove(instanceId) {
                        changed = true
                    }
                }
                publishedServices[id] = known
                if changed { services[id] = known.services.services }
                continue
            }
            let members = (state.instanceIdsByApp[id] ?? []).compactMap { state.instances[$0] }.compactMap { catalogMember($0, of: app) }
            let built = AppServices(app: app, members: members)
            publishedServices[id] = (built, deployments)
            services[id] = built.services
        }
        catalog.replace(services)
    }

    /// The catalog member of `instance`, or nil when it is not one (not running, or being killed).
    /// An instance of the previous definition (during a deployment) is judged by the checks it runs
    /// and published on the port it has for each current port.
    private func catalogMember(_ instance: Instance, of app: AppDefinition) -> CatalogMember? {
        guard instance.state == .running, instance.goal == .running else { return nil }
        guard instance.configVersion != Scheduler.configVersion(of: app), let launched = definition(of: instance) else {
            return Self.member(instance, of: app)
        }
        var remapped = instance
        remapped.ports = CatalogService.remapPorts(instance.ports, from: launched, to: app)
        return Self.member(remapped, of: launched)
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

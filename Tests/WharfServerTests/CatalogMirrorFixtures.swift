import WharfDiscovery
import WharfModel

/// Catalog services for agent-link tests.
enum CatalogMirrorFixtures {
    /// The services of app `id` with `instances` passing instances on one port each.
    static func services(_ id: String, instances: Int) -> [CatalogService] {
        var app = AppDefinition(id: PathId(id))
        app.portDefinitions = [PortDefinition(port: 10001)]
        return CatalogService.services(of: app, members: (0..<instances).map { n in
            CatalogMember(instance: Instance(
                id: "\(app.id.safeName).instance-\(n)", appId: app.id, appVersion: Timestamp(millis: 1),
                configVersion: Timestamp(millis: 1), agentId: "agent-\(n)", host: "127.0.0.\(n + 2)", ports: [31000 + n],
                resources: app.resources, state: .running, stagedAt: Timestamp(millis: 1)),
                health: .passing, output: "ok")
        })
    }
}

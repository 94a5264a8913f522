import Foundation
import WharfModel

/// A running instance handed to the catalog, with the health the control plane decided.
public struct CatalogMember: Sendable {
    public var instance: Instance
    public var health: CatalogHealth
    /// Why it is not passing, or "ok".
    public var output: String

    public init(instance: Instance, health: CatalogHealth, output: String) {
        self.instance = instance
        self.health = health
        self.output = output
    }
}

extension CatalogService {
    /// The catalog services of `app`: one per port (one without a port for a port-less app), with
    /// names, tags and routes from its labels, and an endpoint per member.
    ///
    /// Labels read (app level, or on the port definition / mapping itself):
    /// - name: `wharf.service.name` or marathon-consul's `consul` (on a port, or `wharf.{n}.service.name`);
    /// - tags: every label whose value is `tag` (marathon-consul), plus `wharf.tags` (comma list);
    /// - HTTP routes: `wharf.http.host` (comma list) and `wharf.http.path` (space or comma list) on a
    ///   port or as `wharf.{n}.http.host|path`, the unnumbered app labels meaning port 0; marathon-lb's
    ///   `HAPROXY_{n}_VHOST` and `HAPROXY_{n}_PATH`.
    public static func services(of app: AppDefinition, members: [CatalogMember]) -> [CatalogService] {
        let ports = AppPort.ports(of: app)
        let baseName = defaultName(of: app.id)
        let appName = nonEmpty(app.labels["wharf.service.name"]) ?? nonEmpty(app.labels["consul"])
        let appTags = tags(from: app.labels)
        let sortedMembers = members.sorted { $0.instance.id < $1.instance.id }

        guard !ports.isEmpty else {
            var errors: [String] = []
            let name = checkedName(appName, fallback: baseName, errors: &errors)
            let endpoints = sortedMembers.map { endpoint($0, port: 0) }
            return [CatalogService(name: name, appId: app.id, portIndex: nil, portName: nil, servicePort: 0,
                                   portProtocol: "tcp", tags: appTags, meta: app.labels, httpRoutes: [],
                                   routeErrors: errors, endpoints: endpoints)]
        }
        return ports.map { port in
            var errors: [String] = []
            let labels = port.labels
            let requested = nonEmpty(labels["wharf.service.name"]) ?? nonEmpty(labels["consul"])
                ?? nonEmpty(app.labels["wharf.\(port.index).service.name"])
                ?? (port.index == 0 ? appName : nil)
            let fallback = port.index == 0 ? baseName : "\(baseName)-\(port.name.flatMap(nonEmpty) ?? String(port.index))"
            let name = checkedName(requested, fallback: fallback, errors: &errors)
            var meta = app.labels
            for (key, value) in labels { meta[key] = value }
            let routes = RouteLabels.rules(app: app.labels, port: labels, index: port.index, errors: &errors)
            let endpoints = sortedMembers.map { endpoint($0, portIndex: port.index) }
            let portTags = Array(Set(appTags + tags(from: labels))).sorted()
            var service = CatalogService(name: name, appId: app.id, portIndex: port.index, portName: port.name,
                                         servicePort: port.servicePort, portProtocol: port.protocolName, tags: portTags,
                                         meta: meta, httpRoutes: routes, routeErrors: errors, endpoints: endpoints)
            service.servicePortIsHostPort = port.servicePortIsHostPort
            return service
        }
    }

    /// Why some of the app's discovery labels (service names, routes) were rejected; empty when
    /// all are fine. Cheap for apps without such labels.
    public static func labelErrors(of app: AppDefinition) -> [String] {
        let ports = AppPort.ports(of: app)
        let relevant = { (labels: [String: String]) in
            labels.keys.contains { $0.hasPrefix("wharf.") || $0.hasPrefix("HAPROXY_") || $0 == "consul" }
        }
        guard relevant(app.labels) || ports.contains(where: { relevant($0.labels) }) else { return [] }
        return services(of: app, members: []).flatMap(\.routeErrors)
    }

    /// An instance's host ports, launched with `old`, in the port order of `new`: matched by port
    /// name where both name it, else by position; 0 where `old` has no such port. Used while a
    /// deployment replaces instances of a definition whose ports were reordered or renamed.
    public static func remapPorts(_ ports: [Int], from old: AppDefinition, to new: AppDefinition) -> [Int] {
        let before = AppPort.ports(of: old), after = AppPort.ports(of: new)
        if before.map(\.name) == after.map(\.name) { return ports }
        return after.map { port in
            let index = port.name.flatMap { name in before.firstIndex { $0.name == name } }
                ?? (port.index < before.count && before[port.index].name == nil ? port.index : nil)
            guard let index, index < ports.count else { return 0 }
            return ports[index]
        }
    }

    /// `/shop/web` → `shop-web`.
    public static func defaultName(of id: PathId) -> String {
        id.segments.joined(separator: "-")
    }

    private static func endpoint(_ member: CatalogMember, port: Int) -> CatalogEndpoint {
        CatalogEndpoint(instanceId: member.instance.id, taskId: member.instance.taskId, node: member.instance.agentId,
                        address: member.instance.host, port: port, health: member.health, output: member.output)
    }

    /// The endpoint of `member` in the service of port `portIndex` (nil: a port-less app's).
    static func endpoint(_ member: CatalogMember, portIndex: Int?) -> CatalogEndpoint {
        guard let portIndex else { return endpoint(member, port: 0) }
        let ports = member.instance.ports
        return endpoint(member, port: portIndex < ports.count ? ports[portIndex] : 0)
    }

    /// Labels valued `tag`, plus the `wharf.tags` list.
    private static func tags(from labels: [String: String]) -> [String] {
        var tags = Set(labels.filter { $0.value == "tag" }.map(\.key))
        for tag in (labels["wharf.tags"] ?? "").split(separator: ",") {
            let trimmed = tag.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty { tags.insert(trimmed) }
        }
        return tags.sorted()
    }

    /// A requested service name if it is a usable DNS label sequence, else the fallback (noting why).
    private static func checkedName(_ requested: String?, fallback: String, errors: inout [String]) -> String {
        guard let requested else { return fallback }
        guard HostName.isValid(requested.lowercased()) else {
            errors.append("service name '\(requested)' is not a valid DNS name; using '\(fallback)'")
            return fallback
        }
        return requested.lowercased()
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// One port of an app, whichever networking it uses.
struct AppPort {
    var index: Int
    var name: String?
    var servicePort: Int
    var protocolName: String
    var labels: [String: String]
    var servicePortIsHostPort = false

    static func ports(of app: AppDefinition) -> [AppPort] {
        if app.usesHostNetwork {
            return app.portDefinitions.enumerated().map { i, port in
                AppPort(index: i, name: port.name, servicePort: port.port, protocolName: port.protocol, labels: port.labels ?? [:],
                        servicePortIsHostPort: app.requirePorts)
            }
        }
        return (app.container?.portMappings ?? []).enumerated().map { i, mapping in
            AppPort(index: i, name: mapping.name, servicePort: mapping.servicePort, protocolName: mapping.protocol,
                    labels: mapping.labels ?? [:], servicePortIsHostPort: mapping.hostPort == mapping.servicePort)
        }
    }
}

import WharfModel

/// Prometheus' HTTP service discovery (`http_sd_configs`) for a cluster: a JSON array of target
/// groups, one per port of every running task and one per Wharf component's `/metrics`.
///
/// Task groups carry labels that mirror `marathon_sd_configs`' (`__meta_marathon_*` becomes
/// `__meta_wharf_*`), so relabelling rules written for Marathon port over by renaming:
/// `__meta_wharf_app`, `__meta_wharf_task`, `__meta_wharf_port_index`, `__meta_wharf_image`,
/// `__meta_wharf_app_label_<name>`, `__meta_wharf_port_definition_label_<name>` and
/// `__meta_wharf_port_mapping_label_<name>`, plus `__meta_wharf_agent` and
/// `__meta_wharf_port_name`. Component groups have `__meta_wharf_component` (`server` or `agent`).
/// Groups are sorted (servers, agents, then tasks by app, task id and port index), so a group's
/// index, which Prometheus identifies it by, stays put while the cluster does not change.
enum PrometheusTargets {
    /// A component serving `/metrics`.
    struct Component: Hashable, Comparable {
        var kind: String
        var address: String
        var agentId: String?

        static func < (lhs: Component, rhs: Component) -> Bool {
            (lhs.kind == "server" ? 0 : 1, lhs.address) < (rhs.kind == "server" ? 0 : 1, rhs.address)
        }
    }

    /// Servers (their API addresses) and agents with a metrics port, from `state`.
    static func components(servers: [String], state: ClusterState) -> [Component] {
        var components = servers.map { Component(kind: "server", address: $0) }
        for agent in state.agents.values where state.unreachableAgents[agent.id] == nil {
            guard let port = agent.metricsPort else { continue }
            components.append(Component(kind: "agent", address: "\(hostPort(agent.host, port))", agentId: agent.id))
        }
        return components.sorted()
    }

    /// The http_sd document for `state` and `components`.
    static func render(state: ClusterState, components: [Component]) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + state.instances.count * 256)
        w.beginArray()
        for component in components {
            var labels = ["__meta_wharf_component": component.kind]
            if let agent = component.agentId { labels["__meta_wharf_agent"] = agent }
            group(&w, target: component.address, labels: labels)
        }
        for (appId, ids) in state.instanceIdsByApp.sorted(by: { $0.key < $1.key }) {
            guard let app = state.apps[appId] else { continue }
            var running: [(taskId: String, instance: Instance)] = []
            for id in ids {
                guard let instance = state.instances[id], instance.state == .running, instance.goal == .running else { continue }
                running.append((instance.taskId, instance))
            }
            guard !running.isEmpty else { continue }
            running.sort { $0.taskId < $1.taskId }
            // The labels of the app and of each port index, made once per app.
            var portLabels: [Int: [String: String]] = [:]
            for (taskId, instance) in running {
                for (index, port) in instance.ports.enumerated() where port > 0 {
                    if portLabels[index] == nil {
                        var labels = commonLabels(app)
                        labels["__meta_wharf_port_index"] = String(index)
                        addPortLabels(&labels, app: app, index: index)
                        portLabels[index] = labels
                    }
                    var labels = portLabels[index] ?? [:]
                    labels["__meta_wharf_task"] = taskId
                    labels["__meta_wharf_agent"] = instance.agentId
                    group(&w, target: hostPort(instance.host, port), labels: labels)
                }
            }
        }
        w.endArray()
        return w.bytes
    }

    /// Labels every target of `app` has.
    static func commonLabels(_ app: AppDefinition) -> [String: String] {
        var labels = ["__meta_wharf_app": app.id.description]
        if let image = app.container?.docker?.image { labels["__meta_wharf_image"] = image }
        for (name, value) in app.labels { labels["__meta_wharf_app_label_" + sanitize(name)] = value }
        return labels
    }

    /// The port's name and labels: of its port mapping for apps with port mappings, else of its port definition.
    static func addPortLabels(_ labels: inout [String: String], app: AppDefinition, index: Int) {
        if let mappings = app.container?.portMappings, !mappings.isEmpty {
            guard index < mappings.count else { return }
            if let name = mappings[index].name { labels["__meta_wharf_port_name"] = name }
            for (name, value) in mappings[index].labels ?? [:] { labels["__meta_wharf_port_mapping_label_" + sanitize(name)] = value }
        } else if index < app.portDefinitions.count {
            let definition = app.portDefinitions[index]
            if let name = definition.name { labels["__meta_wharf_port_name"] = name }
            for (name, value) in definition.labels ?? [:] { labels["__meta_wharf_port_definition_label_" + sanitize(name)] = value }
        }
    }

    /// A label name part made of `[a-zA-Z0-9_]` (other characters become `_`), as Prometheus'
    /// `strutil.SanitizeLabelName` does for Marathon's labels.
    static func sanitize(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": scalar
            default: "_"
            }
        }))
    }

    /// `host:port`, with an IPv6 address in brackets.
    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func group(_ w: inout JSONWriter, target: String, labels: [String: String]) {
        w.beginObject()
        w.key(literal: "targets")
        w.stringArray([target])
        w.key(literal: "labels")
        w.stringMap(labels)
        w.endObject()
    }
}

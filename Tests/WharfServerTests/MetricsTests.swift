import Foundation
import Testing
import WharfMetrics
import WharfModel
import WharfStore
@testable import WharfServer

/// The control plane's series and the Prometheus service discovery document.
@Suite("Metrics: control plane and http_sd", .timeLimit(.minutes(3)))
struct MetricsTests {
    typealias F = MarathonAPIFixtures

    static func samples(_ registry: MetricsRegistry) async throws -> [ExpositionSample] {
        let text = String(decoding: await registry.exposition(), as: UTF8.self)
        return try #require(ExpositionSample.parse(text), "unparsable exposition:\n\(text)")
    }

    @Test("state gauges follow a deployment and a scale; passes, launches, store operations and deployment results are counted")
    func controlPlaneSeries() async throws {
        let h = try await ControlPlaneHarness.start(agents: 2)
        defer { Task { await h.stop() } }
        let registry = h.controlPlane.configuration.metrics
        var app = sleepApp("/metrics/web", instances: 4)
        app.portDefinitions = [PortDefinition(port: 0)]
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil("4 running") { await h.settled(app.id, running: 4) }

        var samples = try await Self.samples(registry)
        #expect(ExpositionSample.value("wharf_apps", in: samples) == 1)
        #expect(ExpositionSample.value("wharf_instances", ["state": "running"], in: samples) == 4)
        #expect(ExpositionSample.value("wharf_instances", ["state": "staging"], in: samples) == 0)
        #expect(ExpositionSample.value("wharf_running_instances", ["health": "unknown"], in: samples) == 4)
        #expect(ExpositionSample.value("wharf_deployments_in_progress", in: samples) == 0)
        #expect(ExpositionSample.value("wharf_deployments_total", ["result": "success"], in: samples) == 1)
        #expect(ExpositionSample.value("wharf_tasks_launched_total", in: samples) == 4)
        #expect(ExpositionSample.value("wharf_agents", ["status": "active"], in: samples) == 2)
        #expect((ExpositionSample.value("wharf_scheduler_pass_duration_seconds_count", in: samples) ?? 0) > 0)
        #expect((ExpositionSample.value("wharf_store_operation_duration_seconds_count", ["operation": "transaction"], in: samples) ?? 0) > 0)
        #expect(ExpositionSample.value("wharf_launch_queue_instances", ["reason": "no_fit"], in: samples) == 0)

        app.instances = 1
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil("1 running") { await h.settled(app.id, total: 1) }
        samples = try await Self.samples(registry)
        #expect(ExpositionSample.value("wharf_instances", ["state": "running"], in: samples) == 1)
        #expect(ExpositionSample.value("wharf_deployments_total", ["result": "success"], in: samples) == 2)
        #expect(ExpositionSample.value("wharf_tasks_launched_total", in: samples) == 4)

        // More than fits: the rest waits in the queue with its reason.
        app.instances = 100
        app.cpus = 1
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app], force: true))
        try await h.waitUntil("queue reported") {
            let samples = (try? await Self.samples(registry)) ?? []
            return (ExpositionSample.value("wharf_launch_queue_instances", in: samples) ?? 0) > 0
        }
        samples = try await Self.samples(registry)
        #expect(ExpositionSample.value("wharf_deployments_in_progress", in: samples) == 1)
    }

    @Test("two control planes in one process keep their series apart")
    func registriesPerInstance() async throws {
        let one = try await ControlPlaneHarness.start(agents: 1)
        let two = try await ControlPlaneHarness.start(agents: 3)
        defer { Task { await one.stop(); await two.stop() } }
        try await one.waitUntil("agents") { await one.state.agents.count == 1 }
        try await two.waitUntil("agents") { await two.state.agents.count == 3 }
        #expect(ExpositionSample.value("wharf_agents", ["status": "active"], in: try await Self.samples(one.controlPlane.configuration.metrics)) == 1)
        #expect(ExpositionSample.value("wharf_agents", ["status": "active"], in: try await Self.samples(two.controlPlane.configuration.metrics)) == 3)
    }

    @Test("http_sd: one group per port of each running task with marathon_sd's labels, components first, sorted")
    func targets() throws {
        var web = F.app("/shop/web", labels: ["team": "a", "weird-key.x": "1"])
        web.portDefinitions = [PortDefinition(port: 10_000, name: "http", labels: ["metrics": "yes"]), PortDefinition(port: 10_001)]
        let api = F.app("/api")
        var state = F.state(apps: [web, api], perApp: 2)
        var stopped = F.instance(of: api, 50, state: .killing)
        stopped.goal = .decommissioned
        state.upsert(stopped)
        for instance in state.instances(of: web.id) {
            var twoPorts = instance
            twoPorts.ports = [instance.ports[0], instance.ports[0] + 500]
            state.upsert(twoPorts)
        }
        state.agents["agent-1"] = AgentInfo(id: "agent-1", host: "10.1.0.1", capacity: Resources(cpus: 1, mem: 1, disk: 1),
                                            portRanges: [], metricsPort: 9180)
        state.agents["agent-2"] = AgentInfo(id: "agent-2", host: "10.1.0.2", capacity: Resources(cpus: 1, mem: 1, disk: 1), portRanges: [])
        let components = PrometheusTargets.components(servers: ["10.0.0.9:8080"], state: state)
        let json = PrometheusTargets.render(state: state, components: components)
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [[String: Any]])
        let targets = groups.map { ($0["targets"] as? [String]) ?? [] }
        let labels = groups.map { ($0["labels"] as? [String: String]) ?? [:] }
        // Components: the server and the one agent with a metrics port; then api's 2 tasks × 1 port, web's 2 × 2.
        #expect(groups.count == 2 + 2 + 4)
        #expect(targets[0] == ["10.0.0.9:8080"] && labels[0] == ["__meta_wharf_component": "server"])
        #expect(targets[1] == ["10.1.0.1:9180"] && labels[1]["__meta_wharf_agent"] == "agent-1")
        #expect(labels[2...].map { $0["__meta_wharf_app"] } == ["/api", "/api", "/shop/web", "/shop/web", "/shop/web", "/shop/web"])
        #expect(targets.allSatisfy { $0.count == 1 })
        let first = labels[4]
        #expect(first["__meta_wharf_port_index"] == "0")
        #expect(first["__meta_wharf_port_name"] == "http")
        #expect(first["__meta_wharf_port_definition_label_metrics"] == "yes")
        #expect(first["__meta_wharf_app_label_team"] == "a")
        #expect(first["__meta_wharf_app_label_weird_key_x"] == "1")
        #expect(first["__meta_wharf_task"]?.hasPrefix("shop_web.") == true)
        #expect(labels[5]["__meta_wharf_port_index"] == "1" && labels[5]["__meta_wharf_task"] == first["__meta_wharf_task"])
        #expect(targets[5][0].hasSuffix(":\(Int(targets[4][0].split(separator: ":")[1])! + 500)"))
        // No target of an instance being killed; the same state renders the same bytes.
        #expect(!targets.joined().contains("10.0.0.51:31050"))
        #expect(PrometheusTargets.render(state: state, components: components) == json)
        #expect(PrometheusTargets.render(state: ClusterState(), components: []) == Array("[]".utf8))
    }

    @Test("label names are sanitised as Prometheus does and IPv6 hosts are bracketed")
    func sanitising() {
        #expect(PrometheusTargets.sanitize("HAPROXY_0.VHOST-x") == "HAPROXY_0_VHOST_x")
        #expect(PrometheusTargets.sanitize("é") == "_")
        #expect(PrometheusTargets.hostPort("::1", 80) == "[::1]:80")
        #expect(PrometheusTargets.hostPort("10.0.0.1", 80) == "10.0.0.1:80")
    }
}

extension MetricsTests {
    @Test("the state gauges leave the exposition once their control plane is gone (a leader term ended)")
    func stateGaugesGoWithTheControlPlane() async throws {
        let registry = MetricsRegistry()
        var configuration = ServerConfiguration(resyncIntervalSeconds: 0.2)
        configuration.metrics = registry
        var controlPlane: ControlPlane? = ControlPlane(
            configuration: configuration, store: MemoryStore(),
            link: SimulatedAgentLink(count: 1, capacity: Resources(cpus: 1, mem: 1024, disk: 1024), portRange: PortRange(begin: 31000, end: 31010)),
            isolationNote: "none: test", logger: .init(label: "test"))
        try await controlPlane?.load()
        var samples = try await Self.samples(registry)
        #expect(ExpositionSample.value("wharf_apps", in: samples) == 0)
        #expect(ExpositionSample.value("wharf_leader", in: samples) == 1)
        controlPlane = nil
        samples = try await Self.samples(registry)
        #expect(ExpositionSample.value("wharf_apps", in: samples) == nil)
        #expect(ExpositionSample.value("wharf_instances", in: samples) == nil)
        // What was counted stays: a counter never goes back.
        #expect(samples.contains { $0.name == "wharf_scheduler_pass_duration_seconds_count" })
    }
}

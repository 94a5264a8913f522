import AsyncHTTPClient
import Foundation
import Testing
import WharfMetrics

/// Metrics in a cluster: each agent serves its own /metrics on `--metrics-port`, and the server
/// lists it for Prometheus.
@Suite("Cluster metrics", .timeLimit(.minutes(15)))
struct ClusterMetricsTests {
    @Test("an agent's /metrics has its tasks' series; the server's http_sd lists the server, the agent and the tasks")
    func agentMetricsPort() async throws {
        let metricsPort = PortAllocator.ephemeralUnusedPort()
        try await withCluster(agents: 1, agentArguments: { _ in ["--metrics-port", "\(metricsPort)"] }) { cluster in
            let node = cluster.nodes[0]
            _ = try await cluster.api.post("/v2/apps", Fixtures.sleeper("/sleepy", instances: 2))
            let tasks = try await cluster.api.waitForRunning("/sleepy", count: 2)

            let sd = try await cluster.api.get("/v1/wharf/prometheus/targets")
            #expect(sd.status == 200)
            let groups = try #require(sd.json.array, "\(sd)")
            let addresses = groups.compactMap { $0["targets"]?[0]?.string }
            #expect(addresses.first == "127.0.0.1:\(cluster.apiPort)", "\(sd)")
            #expect(addresses.contains("\(node.address):\(metricsPort)"), "\(sd)")
            let agentGroup = try #require(groups.first { $0["labels"]?["__meta_wharf_component"]?.string == "agent" })
            #expect(agentGroup["labels"]?["__meta_wharf_agent"]?.string == node.agentId)
            #expect(groups.filter { $0["labels"]?["__meta_wharf_app"]?.string == "/sleepy" }.count == 2)

            let scrape = try await MarathonClient(baseURL: "http://\(node.address):\(metricsPort)").request("GET", "/metrics", accept: "text/plain")
            #expect(scrape.status == 200)
            #expect(scrape.header("Content-Type") == MetricsRegistry.contentType)
            let samples = try #require(ExpositionSample.parse(scrape.text))
            #expect(ExpositionSample.value("wharf_agent_tasks", ["runtime": "process"], in: samples) == 2)
            // The agent has no control-plane series; the server has no task series.
            #expect(!samples.contains { $0.name == "wharf_instances" })
            let server = try #require(ExpositionSample.parse(try await cluster.api.request("GET", "/metrics", accept: "text/plain").text))
            #expect(ExpositionSample.value("wharf_instances", ["state": "running"], in: server) == 2)
            #expect(!server.contains { $0.name.hasPrefix("wharf_task_") || $0.name == "wharf_agent_tasks" })
            // Per-task usage where the agent confines tasks in cgroups (its isolation, in /v1/wharf/agents).
            if try await cluster.api.get("/v1/wharf/agents").text.contains("cgroup") {
                for task in tasks {
                    let id = try #require(task["id"]?.string)
                    #expect(ExpositionSample.value("wharf_task_memory_limit_bytes", ["app": "/sleepy", "task": id], in: samples)
                            == 16 * 1_048_576.0)
                }
            }
            let check = try await MetricsEndpointTests.promtoolCheck(scrape.text)
            #expect(check.exitCode == 0, "promtool check metrics: \(check.stdout)\(check.stderr)")
        }
    }

    @Test("a metrics port that is taken stops the agent with a message naming the flag")
    func takenMetricsPort() async throws {
        let holder = try await PortHolder.start(PortAllocator.ephemeralUnusedPort())
        defer { holder.stop() }
        let result = try await runWharfCLI([
            "agent", "--join", "127.0.0.1:1", "--token", "t0123456789abcdef", "--data-dir",
            FileManager.default.temporaryDirectory.appendingPathComponent("wharf-mp-\(UUID().uuidString.prefix(8))").path,
            "--advertise-ip", "127.0.0.1", "--router-port", "off", "--dns-port", "off", "--docker-socket", "none",
            "--metrics-port", "\(holder.port)",
        ], timeout: .seconds(60))
        #expect(result.exitCode != 0)
        #expect(result.stderr.contains("--metrics-port"), "\(result)")
    }

    @Test("bad metrics flags are refused, naming the flag")
    func badFlags() async throws {
        let cases: [([String], String)] = [
            (["agent", "--join", "h:1", "--token", "t", "--metrics-port", "10005"], "--metrics-port 10005 lies inside the task port range"),
            (["agent", "--join", "h:1", "--token", "t", "--metrics-port", "8000"], "--metrics-port 8000 is already used by --router-port"),
            (["agent", "--join", "h:1", "--token", "t", "--metrics-port", "http"], "--metrics-port 'http' is not a port number (1-65535) or off"),
            (["agent", "--join", "h:1", "--token", "t", "--task-metrics", "maybe"], "--task-metrics 'maybe' must be true or false"),
            (["dev", "--router-metrics", "sometimes"], "--router-metrics 'sometimes' must be true or false"),
            (["dev", "--task-metrics", "2"], "--task-metrics '2' must be true or false"),
        ]
        for (arguments, message) in cases {
            let result = try await runWharfCLI(arguments)
            #expect(result.exitCode == 64, "\(arguments): \(result)")
            #expect(result.stderr.contains(message), "\(arguments): \(result)")
        }
    }
}

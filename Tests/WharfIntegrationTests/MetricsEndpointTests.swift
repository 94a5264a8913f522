import AsyncHTTPClient
import Foundation
import Testing
import WharfMetrics

/// `/metrics` of a real `wharf dev` as Prometheus' own linter and a real Prometheus see it.
@Suite("Prometheus metrics", .timeLimit(.minutes(15)))
struct MetricsEndpointTests {
    /// Debian's `prometheus` package (promtool and the server); `./scripts/test` installs it.
    static let promtool = "/usr/bin/promtool"
    static let prometheus = "/usr/bin/prometheus"

    static func scrape(_ wharf: WharfProcess) async throws -> (text: String, samples: [ExpositionSample]) {
        let result = try await wharf.api.request("GET", "/metrics", accept: "text/plain")
        #expect(result.status == 200)
        #expect(result.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let samples = try #require(ExpositionSample.parse(result.text), "unparsable:\n\(result.text)")
        return (result.text, samples)
    }

    /// `promtool check metrics` on `text`: its exit status and what it printed.
    static func promtoolCheck(_ text: String) async throws -> CommandResult {
        guard FileManager.default.isExecutableFile(atPath: promtool) else {
            throw HarnessError("\(promtool) not found; ./scripts/test installs it (Debian's prometheus package)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-metrics-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await runCommand("/bin/sh", ["-c", "\(promtool) check metrics < '\(file.path)' 2>&1"], timeout: .seconds(60))
    }

    @Test("promtool check metrics is clean with a running task, observed histograms, a router request and an ended task")
    func promtoolIsClean() async throws {
        try await withWharf { wharf in
            _ = try await wharf.api.post("/v2/apps", Fixtures.httpServer("/mweb", instances: 2))
            let tasks = try await wharf.api.waitForRunning("/mweb", count: 2)
            let ended = try #require(tasks.first?["id"]?.string)
            let kept = try #require(tasks.last?["id"]?.string)
            // Through the router, so that a service has request series.
            try await waitUntil("the router serves mweb.localhost") {
                try await DiscoveryTests.throughRouter(wharf, host: "mweb.localhost").0 == 200
            }
            // A DNS query, so that the DNS family is in the exposition too.
            let dig = try await DiscoveryTests.run("dig", ["@127.0.0.1", "-p", "\(wharf.dnsPort)", "+short", "+tries=1", "+time=2",
                                                          "mweb.service.consul", "A"])
            #expect(dig.exitCode == 0, "\(dig)")
            let kill = try await wharf.api.delete(MarathonClient.appPath("/mweb", "/tasks/\(ended)?scale=true"))
            #expect(kill.status == 200, "\(kill)")
            _ = try await wharf.api.waitForRunning("/mweb", count: 1)

            var scraped = try await Self.scrape(wharf)
            try await waitUntil("the ended task's series are gone") {
                scraped = try await Self.scrape(wharf)
                return !scraped.samples.contains { $0.labels["task"] == ended }
                    && ExpositionSample.value("wharf_agent_task_exits_total", ["state": "killed"], in: scraped.samples) == 1
            }
            let (text, samples) = scraped
            let check = try await Self.promtoolCheck(text)
            #expect(check.exitCode == 0, "promtool check metrics: \(check.stdout)\(check.stderr)")

            // What the lint cannot see: the values.
            #expect(ExpositionSample.value("wharf_instances", ["state": "running"], in: samples) == 1)
            #expect(ExpositionSample.value("wharf_apps", in: samples) == 1)
            #expect(ExpositionSample.value("wharf_task_memory_limit_bytes", ["task": kept], in: samples) == 64 * 1_048_576.0
                    || !text.contains("wharf_task_memory_limit_bytes"), "per-task series need cgroups")
            #expect((ExpositionSample.value("wharf_scheduler_pass_duration_seconds_count", in: samples) ?? 0) > 0)
            #expect((ExpositionSample.value("wharf_router_service_requests_total", ["service": "mweb", "code": "200", "method": "GET"],
                                            in: samples) ?? 0) >= 1)
            // API requests are labelled by route template, never by path.
            #expect((ExpositionSample.value("wharf_http_requests_total", ["route": "/v2/apps/{id}/tasks/{taskId}", "method": "DELETE",
                                                                          "code": "200"], in: samples) ?? 0) == 1)
            #expect(!samples.contains { $0.labels["route"]?.contains("mweb") == true })
            #expect(ExpositionSample.value("wharf_dns_queries_total", ["type": "A", "rcode": "NOERROR"], in: samples) == 1)
        }
    }

    @Test("a real Prometheus finds every target through /v1/wharf/prometheus/targets and its values follow the state")
    func prometheusScrapesThroughHTTPSD() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.prometheus) else {
            throw HarnessError("\(Self.prometheus) not found; ./scripts/test installs it (Debian's prometheus package)")
        }
        try await withWharf { wharf in
            // A task that serves its own metrics on a port named "metrics".
            let demo: JSON = [
                "id": "/demo", "instances": 1, "cpus": 0.2, "mem": 64,
                "cmd": "mkdir -p www && printf 'demo_up 1\\n' > www/metrics && cd www && exec python3 -m http.server $PORT0",
                "portDefinitions": [["port": 0, "name": "metrics"]],
            ]
            _ = try await wharf.api.post("/v2/apps", demo)
            _ = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/scaled", instances: 3))
            _ = try await wharf.api.waitForRunning("/scaled", count: 3)
            _ = try await wharf.api.waitForRunning("/demo", count: 1)

            let sd = try await wharf.api.get("/v1/wharf/prometheus/targets")
            #expect(sd.status == 200)
            #expect(sd.header("Content-Type") == "application/json")

            try await withPrometheus(discovering: wharf) { prometheus in
                // Wharf's own /metrics and the demo task's, both found and up.
                try await waitUntil("both jobs are up", timeout: .seconds(60)) {
                    let up = try await prometheus.query("up")
                    return up.filter { $0.value == 1 }.map { $0.labels["job"] ?? "" }.sorted() == ["wharf", "wharf-tasks"]
                }
                let demoUp = try await prometheus.query(#"demo_up{wharf_app="/demo"}"#)
                #expect(demoUp.map(\.value) == [1], "\(demoUp)")
                try await waitUntil("3 running instances seen", timeout: .seconds(60)) {
                    try await prometheus.query(#"sum(wharf_instances{state="running"})"#).first?.value == 4
                }
                _ = try await wharf.api.put(MarathonClient.appPath("/scaled"), ["instances": 1])
                try await waitUntil("the scale down seen", timeout: .seconds(60)) {
                    try await prometheus.query(#"sum(wharf_instances{state="running"})"#).first?.value == 2
                }
                try await waitUntil("running sleepers' memory seen per task", timeout: .seconds(60)) {
                    let isolated = try await wharf.api.get("/v2/info").header("X-Wharf-Isolation") ?? ""
                    guard isolated.hasPrefix("cgroup") else { return true }
                    return try await prometheus.query(#"count(wharf_task_memory_usage_bytes{app="/scaled"})"#).first?.value == 1
                }

                // An OOM kill, where the kernel enforces memory limits.
                let isolation = try await wharf.api.get("/v2/info").header("X-Wharf-Isolation") ?? ""
                let cgroupsRequired = ProcessInfo.processInfo.environment["WHARF_REQUIRE_CGROUPS"] == "1"
                guard isolation.hasPrefix("cgroup") || cgroupsRequired else {
                    print("MetricsEndpointTests: no OOM kill checked: isolation is \(isolation)")
                    return
                }
                let hog: JSON = ["id": "/hog", "cmd": "exec tail /dev/zero", "instances": 1, "cpus": 0.1, "mem": 16,
                                 "backoffSeconds": 60]
                _ = try await wharf.api.post("/v2/apps", hog)
                try await waitUntil("the OOM kill counted", timeout: .seconds(90)) {
                    (try await prometheus.query("wharf_agent_task_oom_kills_total").first?.value ?? 0) >= 1
                }
                let failed = try await prometheus.query(#"wharf_agent_task_exits_total{state="failed"}"#)
                #expect((failed.first?.value ?? 0) >= 1, "\(failed)")
            }
        }
    }
}

/// One Prometheus server run by a test: its own config, data dir and port.
struct PrometheusServer {
    struct Sample {
        var labels: [String: String]
        var value: Double
    }

    let port: Int

    /// The instant vector of `expression`.
    func query(_ expression: String) async throws -> [Sample] {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: expression)]
        let request = HTTPClientRequest(url: components.url!.absoluteString)
        let response = try await MarathonClient.http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 22)
        let json = JSON(data: Data(body.readableBytesView)) ?? .null
        guard json["status"]?.string == "success", let results = json["data"]?["result"]?.array else {
            throw HarnessError("Prometheus query \(expression) failed: \(String(buffer: body))")
        }
        return results.map { result in
            let labels = (result["metric"]?.object ?? [:]).compactMapValues(\.string)
            let value = Double(result["value"]?[1]?.string ?? "") ?? .nan
            return Sample(labels: labels, value: value)
        }
    }
}

/// Runs Debian's Prometheus on a free port with the http_sd configuration of README.md's
/// "Metrics" section (scrape and refresh intervals shortened), pointed at `wharf`.
func withPrometheus<T>(discovering wharf: WharfProcess, _ body: (PrometheusServer) async throws -> T) async throws -> T {
    let directory = wharf.dataDir + "/prometheus"
    try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
    let config = """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          # Wharf's servers and agents: their own /metrics.
          - job_name: wharf
            http_sd_configs:
              - url: http://127.0.0.1:\(wharf.apiPort)/v1/wharf/prometheus/targets
                refresh_interval: 1s
            relabel_configs:
              - source_labels: [__meta_wharf_component]
                regex: .+
                action: keep
              - source_labels: [__meta_wharf_component]
                target_label: component
          # Tasks whose port is named "metrics".
          - job_name: wharf-tasks
            http_sd_configs:
              - url: http://127.0.0.1:\(wharf.apiPort)/v1/wharf/prometheus/targets
                refresh_interval: 1s
            relabel_configs:
              - source_labels: [__meta_wharf_port_name]
                regex: metrics
                action: keep
              - source_labels: [__meta_wharf_app]
                target_label: wharf_app
              - source_labels: [__meta_wharf_task]
                target_label: wharf_task
        """
    try Data(config.utf8).write(to: URL(fileURLWithPath: directory + "/prometheus.yml"))
    let port = PortAllocator.ephemeralUnusedPort()
    let server = ChildProcess(
        name: "prometheus",
        arguments: ["--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"],
        logPath: directory + "/prometheus.log", executable: "/usr/bin/prometheus")
    try server.start()
    let prometheus = PrometheusServer(port: port)
    do {
        try await waitUntil("Prometheus answers on \(port)", timeout: .seconds(60)) {
            guard server.isRunning else { throw HarnessError("prometheus exited:\n\(server.logTail())") }
            return (try? await prometheus.query("vector(1)"))?.first?.value == 1
        }
        let result = try await body(prometheus)
        await server.terminate()
        return result
    } catch {
        print("── prometheus log:\n\(server.logTail())")
        await server.terminate()
        throw error
    }
}

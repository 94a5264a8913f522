import Foundation
import Testing
import WharfMetrics

extension DockerAppTests {
    @Test("a container's CPU, memory and limit come from Docker's stats while it runs, and leave with it")
    func containerSeries() async throws {
        try await withDockerWharf { wharf in
            _ = try await wharf.api.post("/v2/apps", Self.web("/dmet", instances: 1))
            let task = try #require(try await wharf.api.waitForRunning("/dmet", count: 1, timeout: .seconds(120)).first)
            let id = try #require(task["id"]?.string)
            let labels = ["app": "/dmet", "task": id]
            var samples: [ExpositionSample] = []
            try await waitUntil("the container's series", timeout: .seconds(30)) {
                samples = try await MetricsEndpointTests.scrape(wharf).samples
                return ExpositionSample.value("wharf_task_memory_usage_bytes", labels, in: samples) != nil
            }
            #expect(ExpositionSample.value("wharf_agent_tasks", ["runtime": "docker"], in: samples) == 1)
            #expect((ExpositionSample.value("wharf_task_memory_usage_bytes", labels, in: samples) ?? 0) > 0)
            #expect(ExpositionSample.value("wharf_task_memory_limit_bytes", labels, in: samples) == 32 * 1_048_576.0)
            #expect((ExpositionSample.value("wharf_task_cpu_seconds_total", labels, in: samples) ?? -1) >= 0)

            _ = try await wharf.api.put(MarathonClient.appPath("/dmet"), ["instances": 0])
            try await waitUntil("the series leave with the container", timeout: .seconds(60)) {
                let now = try await MetricsEndpointTests.scrape(wharf).samples
                return !now.contains { $0.labels["task"] == id }
                    && ExpositionSample.value("wharf_agent_task_exits_total", ["state": "killed"], in: now) == 1
            }
        }
    }
}

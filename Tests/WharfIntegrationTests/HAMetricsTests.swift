import Foundation
import Testing
import WharfMetrics

extension HATests {
    @Test("every server answers /metrics itself: the leader with the cluster state, followers as followers")
    func metricsPerServer() async throws {
        try await withHACluster { cluster in
            let leader = try await cluster.waitForLeader()
            _ = try await leader.api.post("/v2/apps", Self.web("/counted", instances: 2))
            _ = try await leader.api.waitForRunning("/counted", count: 2)
            for server in cluster.servers {
                let result = try await server.api.request("GET", "/metrics", accept: "text/plain")
                #expect(result.status == 200)
                #expect(result.header("Content-Type") == MetricsRegistry.contentType)
                // Not forwarded: the leader's API would name itself.
                #expect(result.header("X-Marathon-Leader") == nil, "\(result)")
                let samples = try #require(ExpositionSample.parse(result.text))
                let leads = server === leader
                #expect(ExpositionSample.value("wharf_leader", in: samples) == (leads ? 1 : 0), "\(server.address)")
                if leads {
                    try await waitUntil("the leader's series show 2 running") {
                        let now = try await server.api.request("GET", "/metrics", accept: "text/plain")
                        return ExpositionSample.value("wharf_instances", ["state": "running"], in: ExpositionSample.parse(now.text) ?? []) == 2
                    }
                }
                let check = try await MetricsEndpointTests.promtoolCheck(result.text)
                #expect(check.exitCode == 0, "promtool check metrics on \(server.address): \(check.stdout)\(check.stderr)")
            }
        }
    }
}

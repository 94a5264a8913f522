import Foundation
import Testing

/// Routing on every node: each agent's edge router, DNS server and Consul API follow the server's
/// catalog over the agent link, so any node reaches instances on any node.
@Suite("Cluster: routing on every node", .serialized, .timeLimit(.minutes(10)))
struct ClusterRoutingTests {
    /// The health-checked test app, routed for `host`, spread over the agents.
    static func routed(_ id: String, instances: Int, host: String, upgradeStrategy: JSON? = nil) -> JSON {
        var app = Fixtures.healthChecked(id, instances: instances, upgradeStrategy: upgradeStrategy)
        app["labels"] = ["wharf.http.host": .string(host)]
        return app
    }

    @Test("every node's router, DNS server and Consul API serve the instances of every node, with the server's indexes")
    func everyNodeServesTheWholeCluster() async throws {
        try await withCluster(agents: 3, routing: true) { cluster in
            #expect(try await cluster.api.post("/v2/apps", Self.routed("/shop", instances: 2, host: "shop.test")).status == 201)
            let tasks = try await cluster.api.waitForHealthy("/shop", count: 2)
            let expected = taskIds(tasks)
            let hosts = Set(tasks.compactMap { $0["host"]?.string })
            #expect(hosts.count == 2, "spread over two nodes: \(tasks)")

            for node in cluster.nodes {
                let ports = try #require(node.routing)
                // The router: both instances, wherever they run.
                var seen = Set<String>()
                try await waitUntil("\(node.process.name)'s router reaches both instances", timeout: .seconds(20), every: .milliseconds(20)) {
                    let (status, body) = try await DiscoveryTests.throughRouter(port: ports.router, host: "shop.test", path: "/whoami",
                                                                                address: node.address)
                    if status == 200 { seen.insert(body.trimmingCharacters(in: .whitespacesAndNewlines)) }
                    return seen == expected
                }
                // DNS: the instances' addresses.
                let dig = try await DiscoveryTests.run("dig", ["@\(node.address)", "-p", "\(ports.dns)", "+short", "+tries=1", "+time=2",
                                                               "shop.service.consul", "A"])
                #expect(Set(dig.stdout.split(separator: "\n").map(String.init)) == hosts, "\(dig)")
                // Consul: the same answer and index as the server's own API.
                let consul = MarathonClient(baseURL: "http://\(node.address):\(ports.consul)")
                let local = try await consul.get("/v1/health/service/shop?passing")
                let server = try await cluster.api.get("/v1/health/service/shop?passing")
                #expect(local.json.array?.count == 2, "\(local)")
                #expect(local.header("X-Consul-Index") == server.header("X-Consul-Index"))
                #expect(try await consul.get("/v1/agent/self").json["Config"]?["NodeName"]?.string == node.agentId)
            }
        }
    }

    @Test("a rolling restart under continuous load through one node's router returns no error to any client")
    func zeroDropThroughAnyNode() async throws {
        try await withCluster(agents: 3, routing: true) { cluster in
            #expect(try await cluster.api.post("/v2/apps", Self.routed(
                "/busy", instances: 3, host: "busy.test",
                upgradeStrategy: ["minimumHealthCapacity": 1, "maximumOverCapacity": 0.34])).status == 201)
            let before = taskIds(try await cluster.api.waitForHealthy("/busy", count: 3))
            let entry = cluster.nodes[2]
            let (address, routerPort) = (entry.address, try #require(entry.routing).router)
            let counters = LoadCounters()
            let load = counters.generate(clients: 6) {
                try await DiscoveryTests.throughRouter(port: routerPort, host: "busy.test", address: address)
            }
            try await waitUntil("load is flowing", timeout: .seconds(20)) { counters.served.load(ordering: .relaxed) > 50 }
            #expect(try await cluster.api.post("/v2/apps/busy/restart").status == 200)
            let after = try await poll("every instance was replaced", timeout: .seconds(120)) { () -> Set<String>? in
                let ids = taskIds(try await cluster.api.healthyTasks(of: "/busy"))
                let done = try await cluster.api.deploymentIds().isEmpty
                return done && ids.count == 3 && ids.isDisjoint(with: before) ? ids : nil
            }
            let total = counters.served.load(ordering: .relaxed)
            try await waitUntil("more load after the restart", timeout: .seconds(20)) { counters.served.load(ordering: .relaxed) > total + 50 }
            counters.stop.store(true, ordering: .relaxed)
            await load.value
            #expect(after.count == 3)
            #expect(counters.failures.withLock { $0 }.isEmpty, "\(counters.failures.withLock { Array($0.prefix(5)) })")
            // Every router told the server what it serves (what the kills waited for): the catalog's index.
            let index = try #require(try await cluster.api.get("/v1/catalog/services").header("X-Consul-Index").flatMap { UInt64($0) })
            try await waitUntil("every agent's router serves catalog index \(index)") {
                let agents = try await cluster.api.get("/v1/wharf/agents").json["agents"]?.array ?? []
                return agents.count == 3 && agents.allSatisfy { UInt64($0["routerIndex"]?.int ?? 0) >= index }
            }
        }
    }
}

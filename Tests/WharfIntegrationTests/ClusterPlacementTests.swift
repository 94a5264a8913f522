import Foundation
import Testing

/// Placement over real agents: Marathon's constraint operators on `hostname` (`--hostname nodeN`)
/// and agent attributes (`--attribute rack=...`), what `/v2/queue` says when nothing fits, and drains.
@Suite("Cluster: constraints, queue reasons and drains", .serialized, .timeLimit(.minutes(10)))
struct ClusterPlacementTests {
    /// node1 and node2 in rack r1, node3 in rack r2.
    static func racks(_ index: Int) -> [String] {
        ["--attribute", "rack=\(index == 3 ? "r2" : "r1")"]
    }

    static func app(_ id: String, instances: Int, constraints: [[String]]) -> JSON {
        var app = Fixtures.sleeper(id, instances: instances)
        app["constraints"] = .array(constraints.map { .array($0.map { .string($0) }) })
        return app
    }

    /// Host names (node1...) of the running tasks of `id`, sorted.
    static func hostnames(_ cluster: ClusterHarness, _ id: String) async throws -> [String] {
        let byAddress = Dictionary(uniqueKeysWithValues: cluster.nodes.map { ($0.address, "node\($0.index)") })
        return try await cluster.api.runningTasks(of: id).compactMap { $0["host"]?.string.flatMap { byAddress[$0] } }.sorted()
    }

    /// The `/v2/queue` entry of `id` once it waits for `count` instances.
    static func waiting(_ cluster: ClusterHarness, _ id: String, count: Int) async throws -> JSON {
        try await poll("\(id) waits for \(count) instances") { () -> JSON? in
            let queue = try await cluster.api.get("/v2/queue").json["queue"]?.array ?? []
            return queue.first { $0["app"]?["id"]?.string == id && $0["count"]?.int == count }
        }
    }

    static func declined(_ entry: JSON, _ reason: String) -> Int? {
        entry["processedOffersSummary"]?["rejectSummaryLastOffers"]?.array?.first { $0["reason"]?.string == reason }?["declined"]?.int
    }

    @Test("each constraint operator places as Marathon's does, and what cannot be placed waits with its reason")
    func constraintOperators() async throws {
        try await withCluster(agents: 3, agentArguments: Self.racks) { cluster in
            let cases: [(id: String, instances: Int, constraint: [String], running: [String])] = [
                ("/unique", 3, ["hostname", "UNIQUE"], ["node1", "node2", "node3"]),
                ("/cluster", 2, ["rack", "CLUSTER", "r2"], ["node3", "node3"]),
                ("/groupby", 2, ["rack", "GROUP_BY"], []),
                ("/like", 2, ["hostname", "LIKE", "node[12]"], []),
                ("/unlike", 2, ["hostname", "UNLIKE", "node1"], []),
                ("/maxper", 2, ["rack", "MAX_PER", "1"], []),
                ("/is", 2, ["hostname", "IS", "node2"], ["node2", "node2"]),
            ]
            for c in cases {
                #expect(try await cluster.api.post("/v2/apps", Self.app(c.id, instances: c.instances, constraints: [c.constraint])).status == 201)
            }
            for c in cases {
                _ = try await cluster.api.waitForRunning(c.id, count: c.instances)
                let placed = try await Self.hostnames(cluster, c.id)
                switch c.id {
                case "/groupby", "/maxper":
                    // One instance in each rack: node3 (r2) and one of node1/node2 (r1).
                    #expect(placed.contains("node3") && placed.filter { $0 != "node3" }.count == 1, "\(c.id): \(placed)")
                case "/like":
                    #expect(placed.allSatisfy { $0 == "node1" || $0 == "node2" }, "\(c.id): \(placed)")
                case "/unlike":
                    #expect(!placed.contains("node1"), "\(c.id): \(placed)")
                default:
                    #expect(placed == c.running, "\(c.id): \(placed)")
                }
            }

            // Beyond what the constraints allow: the extra instances wait, with Marathon's reason.
            _ = try await cluster.api.put(MarathonClient.appPath("/unique"), ["instances": 4])
            let unique = try await Self.waiting(cluster, "/unique", count: 1)
            #expect(Self.declined(unique, "UnfulfilledConstraint") == 3, "\(unique)")
            _ = try await cluster.api.put(MarathonClient.appPath("/maxper"), ["instances": 3])
            let maxPer = try await Self.waiting(cluster, "/maxper", count: 1)
            #expect(Self.declined(maxPer, "UnfulfilledConstraint") == 3, "\(maxPer)")
            #expect(try await cluster.api.runningTasks(of: "/maxper").count == 2)

            // More than any agent has: InsufficientCpus on every agent.
            var big = Fixtures.sleeper("/big")
            big["cpus"] = 8
            #expect(try await cluster.api.post("/v2/apps", big).status == 201)
            let entry = try await Self.waiting(cluster, "/big", count: 1)
            #expect(Self.declined(entry, "InsufficientCpus") == 3, "\(entry)")

            // A mistyped operator: Marathon's 422 with the path, nothing created.
            let bad = try await cluster.api.post("/v2/apps", Self.app("/typo", instances: 1, constraints: [["hostname", "UNIQ"]]))
            #expect(bad.status == 422, "\(bad)")
            #expect(bad.json["details"]?.array?.first?["path"]?.string == "/constraints(0)", "\(bad)")
            #expect(try await cluster.api.app("/typo") == nil)
        }
    }

    @Test("wharf node drain moves an agent's instances to the others, serving before the old ones stop; eligible undoes it")
    func drain() async throws {
        try await withCluster(agents: 3) { cluster in
            var web = ClusterTests.web("/drained", instances: 3)
            web["upgradeStrategy"] = ["minimumHealthCapacity": 1, "maximumOverCapacity": 1]
            #expect(try await cluster.api.post("/v2/apps", web).status == 201)
            let before = try await cluster.api.waitForRunning("/drained", count: 3)
            let node = cluster.nodes[0]
            let moving = taskIds(before.filter { $0["host"]?.string == node.address })
            #expect(moving.count == 1)

            let drained = try await runWharfCLI(["node", "drain", node.address, "--wait", "--timeout", "60",
                                                 "--api", cluster.api.baseURL])
            #expect(drained.exitCode == 0, "\(drained)")
            let after = try await cluster.api.waitForRunning("/drained", count: 3)
            #expect(!after.contains { $0["host"]?.string == node.address })
            #expect(taskIds(after).isDisjoint(with: moving))
            #expect(node.liveTaskIds(app: "/drained").isEmpty, "the old task is stopped on the drained node")
            try await ClusterTests.waitUntilServing(after)

            let shown = try await cluster.api.get("/v1/wharf/agents/\(node.agentId)").json["agent"]
            #expect(shown?["status"]?.string == "draining" && shown?["instances"]?.int == 0, "\(String(describing: shown))")
            #expect(try await runWharfCLI(["node", "eligible", node.agentId, "--api", cluster.api.baseURL]).exitCode == 0)
            _ = try await cluster.api.put(MarathonClient.appPath("/drained"), ["instances": 4])
            let scaled = try await cluster.api.waitForRunning("/drained", count: 4)
            #expect(scaled.contains { $0["host"]?.string == node.address }, "the eligible agent takes new instances again")
        }
    }
}

import Foundation
import Testing

/// Agents as the API and `wharf node` show them, drains, and placement reasons, on `wharf dev` with
/// simulated agents (they run nothing; every launched task reports TASK_RUNNING at once).
@Suite("Agents, drains and placement reasons", .timeLimit(.minutes(10)))
struct NodeTests {
    static func agents(_ wharf: WharfProcess) async throws -> [JSON] {
        try await wharf.api.get("/v1/wharf/agents").json["agents"]?.array ?? []
    }

    static func slaveIds(_ tasks: [JSON]) -> [String] {
        tasks.compactMap { $0["slaveId"]?.string }.sorted()
    }

    @Test("agents are listed with resources and status; an app spreads over them; a drain moves its instances and ends with eligible")
    func drainMovesInstances() async throws {
        try await withWharf(["--simulated-agents", "3"]) { wharf in
            let listed = try await poll("3 agents are ready") { () -> [JSON]? in
                let agents = try await Self.agents(wharf)
                return agents.count == 3 && agents.allSatisfy({ $0["status"]?.string == "ready" }) ? agents : nil
            }
            #expect(listed.map { $0["id"]?.string ?? "" } == ["sim-0", "sim-1", "sim-2"])
            #expect(listed.allSatisfy { $0["resources"]?["total"]?["cpus"]?.double ?? 0 > 0 && $0["eligible"]?.bool == true })

            _ = try await wharf.api.post("/v2/apps", ["id": "/spread", "cmd": "sleep 600", "instances": 3, "cpus": 0.1, "mem": 16])
            let tasks = try await wharf.api.waitForRunning("/spread", count: 3)
            #expect(Self.slaveIds(tasks) == ["sim-0", "sim-1", "sim-2"], "one instance per agent: \(tasks)")
            let used = try #require(try await Self.agents(wharf).first { $0["id"]?.string == "sim-1" })
            #expect(used["instances"]?.int == 1 && used["resources"]?["used"]?["mem"]?.double == 16, "\(used)")

            let drained = try await wharf.api.post("/v1/wharf/agents/sim-1/drain")
            #expect(drained.status == 200, "\(drained)")
            #expect(drained.json["agent"]?["status"]?.string == "draining")
            try await waitUntil("sim-1 runs nothing and /spread runs 3 elsewhere") {
                let running = try await wharf.api.runningTasks(of: "/spread")
                let agent = try await wharf.api.get("/v1/wharf/agents/sim-1").json["agent"]
                return running.count == 3 && !Self.slaveIds(running).contains("sim-1") && agent?["instances"]?.int == 0
            }
            // Still draining: a scale-up avoids it.
            _ = try await wharf.api.put(MarathonClient.appPath("/spread"), ["instances": 5])
            let scaled = try await wharf.api.waitForRunning("/spread", count: 5)
            #expect(!Self.slaveIds(scaled).contains("sim-1"))

            let eligible = try await wharf.api.post("/v1/wharf/agents/sim-1/eligible")
            #expect(eligible.json["agent"]?["status"]?.string == "ready", "\(eligible)")
            _ = try await wharf.api.put(MarathonClient.appPath("/spread"), ["instances": 6])
            let back = try await wharf.api.waitForRunning("/spread", count: 6)
            #expect(Self.slaveIds(back).contains("sim-1"), "the eligible agent, with fewest instances, takes the next one")

            let unknown = try await wharf.api.post("/v1/wharf/agents/no-such-agent/drain")
            #expect(unknown.status == 404)
            #expect(unknown.json["message"]?.string == "Agent 'no-such-agent' does not exist")
        }
    }

    @Test("an app that cannot be placed shows why in /v2/queue and in wharf app show; wharf node list and drain --wait")
    func unplaceableAppAndNodeCommands() async throws {
        try await withWharf(["--simulated-agents", "3"]) { wharf in
            let api = ["--api", wharf.api.baseURL]
            // Simulated agents share one host name: UNIQUE hostname fits one instance.
            _ = try await wharf.api.post("/v2/apps", ["id": "/unique", "cmd": "sleep 600", "instances": 2, "cpus": 0.1, "mem": 16,
                                                      "constraints": [["hostname", "UNIQUE"]]])
            let entry = try await poll("/unique waits in the queue") { () -> JSON? in
                let queue = try await wharf.api.get("/v2/queue").json["queue"]?.array ?? []
                return queue.first { $0["app"]?["id"]?.string == "/unique" && $0["count"]?.int == 1 }
            }
            let reasons = entry["processedOffersSummary"]?["rejectSummaryLastOffers"]?.array ?? []
            let constraint = reasons.first { $0["reason"]?.string == "UnfulfilledConstraint" }
            #expect(constraint?["declined"]?.int == 3, "\(entry)")
            // The placed one runs once its (simulated) agent's report is in: under load, a moment after the queue says 1.
            try await waitUntil("one instance of /unique runs") { try await wharf.api.runningTasks(of: "/unique").count == 1 }

            let show = try await runWharfCLI(["app", "show", "/unique"] + api)
            #expect(show.exitCode == 0, "\(show)")
            #expect(show.stdout.contains("1 instance not placed: UnfulfilledConstraint on 3 agents"), "\(show)")

            let list = try await runWharfCLI(["node", "list"] + api)
            #expect(list.exitCode == 0, "\(list)")
            #expect(["sim-0", "sim-1", "sim-2"].allSatisfy { list.stdout.contains($0) } && list.stdout.contains("ready"), "\(list)")

            // Its instance has nowhere else to go (UNIQUE): it stays, and --wait gives up.
            let holder = try #require(try await wharf.api.runningTasks(of: "/unique").first?["slaveId"]?.string)
            let stuck = try await runWharfCLI(["node", "drain", holder, "--wait", "--timeout", "2"] + api)
            #expect(stuck.exitCode == 3, "\(stuck)")
            #expect(stuck.stderr.contains("still runs 1 instances"), "\(stuck)")
            #expect(try await wharf.api.runningTasks(of: "/unique").first?["slaveId"]?.string == holder)
            let show2 = try await runWharfCLI(["node", "show", holder] + api)
            #expect(show2.stdout.contains("draining"), "\(show2)")
            #expect(try await runWharfCLI(["node", "eligible", holder] + api).exitCode == 0)
            _ = try await wharf.api.delete(MarathonClient.appPath("/unique"))

            _ = try await wharf.api.post("/v2/apps", ["id": "/plain", "cmd": "sleep 600", "cpus": 0.1, "mem": 16])
            let plainHolder = try #require(try await wharf.api.waitForRunning("/plain", count: 1).first?["slaveId"]?.string)
            let drain = try await runWharfCLI(["node", "drain", plainHolder, "--wait", "--timeout", "60"] + api)
            #expect(drain.exitCode == 0, "\(drain)")
            #expect(drain.stdout.contains("is drained"), "\(drain)")
            let moved = try await wharf.api.waitForRunning("/plain", count: 1)
            #expect(moved.first?["slaveId"]?.string != plainHolder)

            // The drain is stored: it outlives a kill -9 of the control plane.
            try await wharf.kill9()
            try await wharf.restart()
            let after = try await poll("\(plainHolder) is back") { () -> JSON? in
                try await Self.agents(wharf).first { $0["id"]?.string == plainHolder && $0["status"]?.string != "unreachable" }
            }
            #expect(after["status"]?.string == "draining", "\(after)")

            let missing = try await runWharfCLI(["node", "eligible", "nope"] + api)
            #expect(missing.exitCode == 1 && missing.stderr.contains("Agent 'nope' does not exist"), "\(missing)")
        }
    }
}

import Foundation
import Testing

/// `wharf server` with `wharf agent`s on this machine, each agent on its own loopback address:
/// placement across agents, node loss, a cut-off node coming back, a server crash mid-deployment,
/// and agents that must be turned away.
@Suite("Cluster: server and agents", .timeLimit(.minutes(15)))
struct ClusterTests {
    /// An HTTP server app whose instances are replaced at once when their agent is lost.
    static func web(_ id: String, instances: Int) -> JSON {
        var app = Fixtures.httpServer(id, instances: instances)
        app["unreachableStrategy"] = ["inactiveAfterSeconds": 0, "expungeAfterSeconds": 0]
        return app
    }

    /// A deployment of `web(id, instances:)` that stays in progress: the new version is healthy only
    /// once the test creates `ready` in each new task's sandbox. Returns the deployment id, the
    /// running tasks once the new ones run next to `old`, and the new ones.
    static func startHeldDeployment(_ id: String, instances: Int, old: Set<String>, api: MarathonClient) async throws
        -> (deployment: String, running: Set<String>, new: Set<String>) {
        var next = web(id, instances: instances)
        next["env"] = ["VERSION": "2"]
        next["healthChecks"] = [[
            "protocol": "HTTP", "path": "/ready", "portIndex": 0, "gracePeriodSeconds": 300, "intervalSeconds": 1,
            "timeoutSeconds": 2, "maxConsecutiveFailures": 1000,
        ]]
        let update = try await api.put(MarathonClient.appPath(id), next)
        #expect(update.status == 200)
        let deployment = try #require(MarathonClient.deploymentId(update))
        let running = try await poll("the new tasks run", timeout: .seconds(60)) { () -> Set<String>? in
            let running = taskIds(try await api.runningTasks(of: id))
            return running.subtracting(old).count == instances ? running : nil
        }
        return (deployment, running, running.subtracting(old))
    }

    /// GET http://host:port/ (the check that a task really serves at its advertised address).
    static func status(host: String, port: Int) async throws -> Int {
        try await MarathonClient(baseURL: "http://\(host):\(port)").request("GET", "/", accept: "*/*", timeout: .seconds(10)).status
    }

    /// Waits until every task answers HTTP at its `host` and first port.
    static func waitUntilServing(_ tasks: [JSON]) async throws {
        let targets = hostsAndPorts(tasks)
        #expect(targets.count == tasks.count)
        for (host, port) in targets {
            try await waitUntil("the task at \(host):\(port) answers", timeout: .seconds(30)) {
                try await status(host: host, port: port) == 200
            }
        }
    }

    static func hostsAndPorts(_ tasks: [JSON]) -> [(host: String, port: Int)] {
        tasks.compactMap { task in
            guard let host = task["host"]?.string, let port = task["ports"]?[0]?.int else { return nil }
            return (host, port)
        }
    }

    @Test("an app spreads over the agents, its tasks serve at their agents' addresses, and a restarted agent keeps its tasks")
    func spreadAndServe() async throws {
        try await withCluster(agents: 3) { cluster in
            #expect(try await cluster.api.post("/v2/apps", Self.web("/spread", instances: 3)).status == 201)
            let tasks = try await cluster.api.waitForRunning("/spread", count: 3)
            #expect(Set(tasks.compactMap { $0["host"]?.string }) == Set(cluster.nodes.map(\.address)))
            let agentIds = Set(cluster.nodes.map(\.agentId))
            #expect(Set(tasks.compactMap { $0["slaveId"]?.string }) == agentIds)
            try await Self.waitUntilServing(tasks)

            // SIGTERM and start again: same agent id, same tasks, nothing relaunched.
            let node = cluster.nodes[1]
            let idBefore = node.agentId
            let before = cluster.reconciliations(of: node)
            #expect(await node.process.terminate() == 0)
            try await cluster.startAgent(node)
            #expect(node.agentId == idBefore)
            try await cluster.waitUntilReconciled(node, after: before)
            let after = try await cluster.api.waitForRunning("/spread", count: 3)
            #expect(taskIds(after) == taskIds(tasks))
            #expect(cluster.liveTaskIds(app: "/spread") == taskIds(tasks))
        }
    }

    @Test("kill -9 of an agent and its tasks: its instances become unreachable and are replaced on the other agents")
    func agentLost() async throws {
        try await withCluster(agents: 3) { cluster in
            #expect(try await cluster.api.post("/v2/apps", Self.web("/lost", instances: 3)).status == 201)
            let tasks = try await cluster.api.waitForRunning("/lost", count: 3)
            let victim = cluster.nodes[2]
            let lost = taskIds(tasks.filter { $0["host"]?.string == victim.address })
            #expect(lost.count == 1)

            let killedAt = ContinuousClock.now
            try await cluster.killAgentAndTasks(victim)
            let replaced = try await poll("replaced on the other agents", timeout: .seconds(60)) { () -> [JSON]? in
                let running = try await cluster.api.runningTasks(of: "/lost")
                return running.count == 3 && !running.contains { $0["host"]?.string == victim.address } ? running : nil
            }
            // Not before the agent timeout: a silent agent may only be slow. (Silence counts from the
            // agent's last heartbeat, at most a third of the timeout before the kill.)
            #expect(ContinuousClock.now - killedAt >= .seconds(cluster.agentTimeout * 2 / 3))
            #expect(taskIds(replaced).isDisjoint(with: lost))
            try await Self.waitUntilServing(replaced)
            // Out of the catalog (and so of every router and DNS answer).
            let catalog = try await cluster.api.get("/v1/catalog/service/lost").json.array ?? []
            #expect(catalog.count == 3)
            #expect(!catalog.contains { $0["ServiceAddress"]?.string == victim.address })
            #expect(cluster.server.log.contains("agent unreachable"))
        }
    }

    @Test("an agent cut off from the server: its instances are replaced while its tasks run on; when it is back its stale copies are killed")
    func agentCutOff() async throws {
        try await withCluster(agents: 3, proxied: [3]) { cluster in
            #expect(try await cluster.api.post("/v2/apps", Self.web("/cut", instances: 3)).status == 201)
            let tasks = try await cluster.api.waitForRunning("/cut", count: 3)
            let node = cluster.nodes[2]
            let proxy = try #require(node.proxy)
            let stale = taskIds(tasks.filter { $0["host"]?.string == node.address })
            #expect(stale.count == 1)

            await proxy.cut()
            _ = try await poll("replaced on the other agents", timeout: .seconds(60)) { () -> Bool? in
                let running = try await cluster.api.runningTasks(of: "/cut")
                return running.count == 3 && !running.contains { $0["host"]?.string == node.address } ? true : nil
            }
            // The node's task runs on, unsupervised by the server: one slot has two live copies now.
            #expect(node.liveTaskIds(app: "/cut") == stale)
            #expect(node.process.isRunning)

            let before = cluster.reconciliations(of: node)
            try await proxy.restore()
            try await cluster.waitUntilReconciled(node, after: before)
            try await waitUntil("the stale copy is killed", timeout: .seconds(60)) {
                node.liveTaskIds(app: "/cut").isDisjoint(with: stale)
            }
            let running = try await cluster.api.waitForRunning("/cut", count: 3)
            try await waitUntil("one live task per slot, each known to the server", timeout: .seconds(30)) {
                cluster.liveTaskIds(app: "/cut") == taskIds(running)
            }
        }
    }

    @Test("kill -9 of the server mid-deployment: agents keep their tasks, reconnect, and the deployment finishes")
    func serverRestartMidDeploy() async throws {
        try await withCluster(agents: 2) { cluster in
            #expect(try await cluster.api.post("/v2/apps", Self.web("/deploy", instances: 2)).status == 201)
            let old = taskIds(try await cluster.api.waitForRunning("/deploy", count: 2))

            let (deployment, started, new) = try await Self.startHeldDeployment("/deploy", instances: 2, old: old, api: cluster.api)
            let processes = ProcessTable.tasks(under: cluster.root).filter { $0.appId == "/deploy" }

            let counts = cluster.nodes.map { cluster.reconciliations(of: $0) }
            try await cluster.server.kill9()
            try await cluster.startServer()
            for (node, count) in zip(cluster.nodes, counts) { try await cluster.waitUntilReconciled(node, after: count) }

            // Nothing was lost or relaunched, and the deployment is still there.
            #expect(try await cluster.api.deploymentIds().contains(deployment))
            #expect(taskIds(try await cluster.api.tasks(of: "/deploy")) == started)
            // Each task's first process (python may have started short-lived helpers) still runs.
            let mains = Dictionary(grouping: processes, by: \.taskId).compactMapValues { $0.map(\.pid).min() }
            #expect(Set(mains.keys) == started)
            #expect(mains.values.allSatisfy(ProcessTable.isAlive), "a task process ended while the server was away")

            for process in processes where new.contains(process.taskId) {
                #expect(FileManager.default.createFile(atPath: process.sandbox + "/ready", contents: Data("ok".utf8)))
            }
            try await cluster.api.waitForDeployment(deployment, timeout: .seconds(90))
            let finished = try await cluster.api.waitForRunning("/deploy", count: 2)
            #expect(taskIds(finished) == new)
            try await waitUntil("the old tasks are gone", timeout: .seconds(30)) {
                cluster.liveTaskIds(app: "/deploy") == new
            }
        }
    }

    @Test("a wrong token, a second process with the same agent id, or a shared data dir are refused with clear messages")
    func refusals() async throws {
        try await withCluster(agents: 1) { cluster in
            let node = cluster.nodes[0]
            let other = cluster.root + "/intruder"
            let wrong = try await runWharfCLI([
                "agent", "--join", "127.0.0.1:\(cluster.agentPort)", "--token", "not-the-token", "--data-dir", other,
                "--advertise-ip", "127.0.0.9", "--task-ports", "\(node.taskPorts.lowerBound)-\(node.taskPorts.upperBound)",
                "--router-port", "off", "--dns-port", "off", "--docker-socket", "none", "--metrics-port", "off",
            ], timeout: .seconds(60))
            #expect(wrong.exitCode != 0)
            #expect(wrong.stderr.contains("refused this agent: wrong cluster token"), "\(wrong)")
            #expect(cluster.server.log.contains("agent refused") && cluster.server.log.contains("code=badToken"))
            let intruderId = ((try? String(contentsOfFile: other + "/agent-id", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!intruderId.isEmpty)
            #expect(!cluster.server.log.split(separator: "\n").contains { $0.contains("agent registered") && $0.contains(intruderId) })

            // The same data dir as a running agent.
            let shared = try await runWharfCLI([
                "agent", "--join", "127.0.0.1:\(cluster.agentPort)", "--token", ClusterHarness.token, "--data-dir", node.dataDir,
                "--router-port", "off", "--dns-port", "off", "--docker-socket", "none", "--metrics-port", "off",
            ], timeout: .seconds(60))
            #expect(shared.exitCode != 0)
            #expect(shared.stderr.contains("in use by another wharf process"), "\(shared)")

            // Another data dir holding the same agent id: refused while the first is connected.
            let copy = cluster.root + "/copy"
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: node.dataDir + "/agent-id", toPath: copy + "/agent-id")
            let twin = ChildProcess(name: "twin agent", arguments: [
                "agent", "--join", "127.0.0.1:\(cluster.agentPort)", "--token", ClusterHarness.token, "--data-dir", copy,
                "--advertise-ip", "127.0.0.9", "--task-ports", "\(node.taskPorts.lowerBound)-\(node.taskPorts.upperBound)",
                "--router-port", "off", "--dns-port", "off", "--docker-socket", "none", "--metrics-port", "off",
            ], logPath: copy + "/agent.log")
            try twin.start()
            let refused = await (try? waitUntil("the twin is refused", timeout: .seconds(30)) {
                twin.log.contains("code=duplicateAgent") && twin.log.contains("is already connected from")
            }) != nil
            await twin.terminate()
            #expect(refused, "\(twin.logTail())")
            #expect(cluster.server.log.contains("code=duplicateAgent"))
        }
    }

    @Test("bad cluster flags are refused, naming the flag")
    func badFlags() async throws {
        let cases: [([String], String)] = [
            (["server"], "--token (or WHARF_TOKEN) is required"),
            (["server", "--token", "t", "--agent-timeout", "0"], "--agent-timeout '0'"),
            (["server", "--token", "t", "--agent-port", "8080"], "--agent-port 8080 is already used by --api-port"),
            (["agent", "--token", "t"], "--join (or WHARF_JOIN) is required"),
            (["agent", "--join", "host:x", "--token", "t"], "--join 'host:x'"),
            (["agent", "--join", "h:1", "--token", "t", "--attribute", "rack"], "--attribute 'rack' is not KEY=VALUE"),
            (["agent", "--join", "h:1", "--token", "t", "--advertise-ip", "nowhere"], "--advertise-ip 'nowhere' is not an IP address"),
            (["agent", "--join", "h:1", "--token", "t", "--router-port", "10005"], "--router-port 10005 lies inside the task port range"),
        ]
        for (arguments, message) in cases {
            let result = try await runWharfCLI(arguments)
            #expect(result.exitCode == 64, "\(arguments): \(result)")
            #expect(result.stderr.contains(message), "\(arguments): \(result)")
        }
    }
}

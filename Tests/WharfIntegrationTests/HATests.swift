import Foundation
import Testing
import WharfEtcdTestSupport

/// Three `wharf server`s on a three-member etcd with two agents: followers forward to the leader,
/// a dead, paused or abdicating leader is replaced, its successor finishes what it started, and a
/// replaced leader can change nothing.
@Suite("HA: servers on etcd", .serialized, .timeLimit(.minutes(15)), .enabled(if: EtcdTestCluster.shouldRun))
struct HATests {
    static func web(_ id: String, instances: Int) -> JSON { ClusterTests.web(id, instances: instances) }

    /// POSTs `app` through `server` until it is accepted (while a new leader is being elected the
    /// API answers 502 or 503); returns how long that took.
    static func postUntilAccepted(_ app: JSON, via servers: [HAClusterHarness.Server], timeout: Duration = .seconds(30)) async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try await waitUntil("a server accepts the write", timeout: timeout, every: .milliseconds(20)) {
            for server in servers {
                guard let result = try? await server.api.request("POST", "/v2/apps", body: app.data, timeout: .seconds(3)) else { continue }
                if result.status == 201 { return true }
                if result.status == 409 { return true }  // accepted by an earlier try whose answer was lost
                #expect([502, 503].contains(result.status), "\(result)")
            }
            return false
        }
        return clock.now - start
    }

    @Test("any server takes writes: followers forward to the leader, name it, and list the servers")
    func followersForward() async throws {
        try await withHACluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = try #require(cluster.followers(of: leader).first)
            let created = try await follower.api.post("/v2/apps", Self.web("/through-follower", instances: 2))
            #expect(created.status == 201, "\(created)")
            #expect(created.header("X-Marathon-Leader") == "http://\(leader.address)")
            let tasks = try await leader.api.waitForRunning("/through-follower", count: 2)
            #expect(Set(tasks.compactMap { $0["host"]?.string }) == Set(cluster.nodes.map(\.address)))
            for server in cluster.servers {
                let named = try await server.api.get("/v2/leader")
                #expect(named.json["leader"]?.string == leader.address)
                let info = try await server.api.get("/v2/info")
                #expect(info.json["leader"]?.string == leader.address)
                #expect(info.json["marathon_config"]?["ha"]?.bool == true)
            }
            let servers = try await follower.api.get("/v1/wharf/servers")
            #expect(servers.status == 200, "\(servers)")
            let listed = servers.json["servers"]?.array ?? []
            #expect(listed.count == 3)
            #expect(listed.filter { $0["role"]?.string == "leader" }.compactMap { $0["apiAddress"]?.string } == [leader.address])
            #expect(servers.json["store"]?.string == "etcd")
            #expect((servers.json["epoch"]?.int ?? 0) > 0)
        }
    }

    @Test("kill -9 of the leader mid-deployment: a new leader takes writes within seconds, finishes the deployment, and no acknowledged write is lost")
    func leaderKilledMidDeployment() async throws {
        try await withHACluster { cluster in
            let leader = try await cluster.waitForLeader()
            for n in 1...5 {
                #expect(try await leader.api.post("/v2/apps", Self.web("/kept-\(n)", instances: 0)).status == 201)
            }
            #expect(try await leader.api.post("/v2/apps", Self.web("/deploy", instances: 2)).status == 201)
            let old = taskIds(try await leader.api.waitForRunning("/deploy", count: 2))

            let (deployment, started, new) = try await ClusterTests.startHeldDeployment("/deploy", instances: 2, old: old, api: leader.api)

            try await leader.process.kill9()
            let survivors = cluster.followers(of: leader)
            let took = try await Self.postUntilAccepted(Self.web("/after-failover", instances: 1), via: survivors)
            print("HA: kill -9 of the leader → a write accepted after \(took)")
            #expect(took < .seconds(15), "failover took \(took)")
            let successor = try await cluster.waitForLeader(excluding: leader)
            #expect(successor !== leader)
            // It took over from the copy of the state it kept while following.
            #expect(successor.process.log.contains("loadedFrom=follower-copy"), "\(successor.process.logTail())")

            // Nothing acknowledged was lost, the deployment carried on, and no task was relaunched.
            for n in 1...5 { #expect(try await successor.api.app("/kept-\(n)") != nil) }
            #expect(try await successor.api.deploymentIds().contains(deployment))
            try await waitUntil("the new leader has the running tasks", timeout: .seconds(60)) {
                taskIds(try await successor.api.runningTasks(of: "/deploy")) == started
            }
            for process in ProcessTable.tasks(under: cluster.root) where new.contains(process.taskId) {
                #expect(FileManager.default.createFile(atPath: process.sandbox + "/ready", contents: Data("ok".utf8)))
            }
            try await successor.api.waitForDeployment(deployment, timeout: .seconds(90))
            #expect(taskIds(try await successor.api.waitForRunning("/deploy", count: 2)) == new)
            try await waitUntil("the old tasks are gone", timeout: .seconds(30)) { cluster.liveTaskIds(app: "/deploy") == new }
            _ = try await successor.api.waitForRunning("/after-failover", count: 1)
        }
    }

    @Test("a leader paused past its lease is replaced, and once resumed nothing it does takes effect")
    func pausedLeaderIsFenced() async throws {
        try await withHACluster { cluster in
            let leader = try await cluster.waitForLeader()
            #expect(try await leader.api.post("/v2/apps", Self.web("/fenced", instances: 2)).status == 201)
            _ = try await leader.api.waitForRunning("/fenced", count: 2)

            leader.process.pause()
            let successor = try await cluster.waitForLeader(excluding: leader, timeout: .seconds(30))
            #expect(successor !== leader)
            // The new leader changes what the paused one believes: 4 instances, not 2.
            var bigger = Self.web("/fenced", instances: 4)
            bigger["instances"] = 4
            let scaled = try await successor.api.put(MarathonClient.appPath("/fenced") + "?force=true", bigger)
            #expect(scaled.status == 200, "\(scaled)")
            let four = taskIds(try await successor.api.waitForRunning("/fenced", count: 4))
            #expect(cluster.liveTaskIds(app: "/fenced") == four)

            // Resumed, the old leader still holds 2 in memory: were it not fenced it would kill two.
            leader.process.resume()
            try await waitUntil("the resumed server steps down", timeout: .seconds(30)) {
                leader.process.log.contains("this server stops leading")
            }
            try await waitUntil("the resumed server names the new leader", timeout: .seconds(10)) {
                try await leader.api.get("/v2/leader").json["leader"]?.string == successor.address
            }
            // A write sent to it lands with the real leader.
            let through = try await leader.api.post("/v2/apps", Self.web("/after-resume", instances: 0))
            #expect(through.status == 201, "\(through)")
            #expect(through.header("X-Marathon-Leader") == "http://\(successor.address)")
            // For a few resync passes, the four tasks stay exactly as they are.
            for _ in 0..<8 {
                #expect(cluster.liveTaskIds(app: "/fenced") == four)
                #expect(taskIds(try await successor.api.runningTasks(of: "/fenced")) == four)
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(try await successor.api.app("/fenced")?["instances"]?.int == 4)
        }
    }

    @Test("kill -9 of the leader under load through an agent's router: no request fails, and the tasks are the same afterwards")
    func routersKeepRouting() async throws {
        try await withHACluster(routing: true) { cluster in
            let leader = try await cluster.waitForLeader()
            #expect(try await leader.api.post("/v2/apps", ClusterRoutingTests.routed("/steady-web", instances: 2, host: "steady.test")).status == 201)
            let before = taskIds(try await leader.api.waitForHealthy("/steady-web", count: 2))
            let entry = cluster.nodes[0]
            let (address, routerPort) = (entry.address, try #require(entry.routing).router)
            let counters = LoadCounters()
            let load = counters.generate(clients: 4) {
                try await DiscoveryTests.throughRouter(port: routerPort, host: "steady.test", address: address)
            }
            try await waitUntil("load is flowing", timeout: .seconds(20)) { counters.served.load(ordering: .relaxed) > 50 }
            let counts = cluster.nodes.map { cluster.reconciliations(of: $0) }
            try await leader.process.kill9()
            let successor = try await cluster.waitForLeader(excluding: leader)
            // The new leader has every agent back (and has sent each router its catalog).
            for (node, count) in zip(cluster.nodes, counts) { try await cluster.waitUntilReconciled(node, after: count) }
            let served = counters.served.load(ordering: .relaxed)
            try await waitUntil("load flows after the failover", timeout: .seconds(20)) { counters.served.load(ordering: .relaxed) > served + 50 }
            counters.stop.store(true, ordering: .relaxed)
            await load.value
            #expect(counters.failures.withLock { $0 }.isEmpty, "\(counters.failures.withLock { Array($0.prefix(5)) })")
            #expect(taskIds(try await successor.api.waitForHealthy("/steady-web", count: 2)) == before)
        }
    }

    @Test("kill -9 of the etcd leader: writes resume")
    func etcdLeaderKilled() async throws {
        try await withHACluster { cluster in
            _ = try await cluster.waitForLeader()
            let member = try #require(try await cluster.etcd.leaderIndex())
            cluster.etcd.members[member].kill9()
            let took = try await Self.postUntilAccepted(Self.web("/after-etcd-failover", instances: 1), via: cluster.running)
            print("HA: kill -9 of the etcd leader → a write accepted after \(took)")
            let leader = try await cluster.waitForLeader()
            _ = try await leader.api.waitForRunning("/after-etcd-failover", count: 1)
        }
    }

    @Test("DELETE /v2/leader hands leadership to another server at once")
    func abdication() async throws {
        try await withHACluster { cluster in
            let leader = try await cluster.waitForLeader()
            #expect(try await leader.api.post("/v2/apps", Self.web("/handover", instances: 1)).status == 201)
            let before = taskIds(try await leader.api.waitForRunning("/handover", count: 1))
            let follower = try #require(cluster.followers(of: leader).first)
            let answer = try await follower.api.delete("/v2/leader")
            #expect(answer.status == 200, "\(answer)")
            #expect(answer.json["message"]?.string == "Leadership abdicated")
            let successor = try await poll("another server leads", timeout: .seconds(15)) { () -> HAClusterHarness.Server? in
                let next = try await cluster.waitForLeader()
                return next === leader ? nil : next
            }
            #expect(successor !== leader)
            _ = try await Self.postUntilAccepted(Self.web("/after-handover", instances: 0), via: [leader])
            #expect(taskIds(try await successor.api.waitForRunning("/handover", count: 1)) == before)
        }
    }

    @Test("every server restarted at once: the state is intact and the tasks kept running")
    func restartAll() async throws {
        try await withHACluster { cluster in
            let leader = try await cluster.waitForLeader()
            #expect(try await leader.api.post("/v2/apps", Self.web("/survivor", instances: 2)).status == 201)
            let tasks = taskIds(try await leader.api.waitForRunning("/survivor", count: 2))
            for server in cluster.servers { try await server.process.kill9() }
            for server in cluster.servers { try await cluster.startServer(server) }
            let next = try await cluster.waitForLeader()
            try await waitUntil("the tasks are back in the API", timeout: .seconds(60)) {
                taskIds(try await next.api.runningTasks(of: "/survivor")) == tasks
            }
            #expect(cluster.liveTaskIds(app: "/survivor") == tasks)
        }
    }

    @Test("etcd paused while a leader leads: writes answer 502 or 503 within seconds and change nothing; etcd back: the cluster catches up")
    func etcdLostAndBack() async throws {
        try await withHACluster(agents: 1) { cluster in
            let leader = try await cluster.waitForLeader()
            #expect(try await leader.api.post("/v2/apps", Self.web("/steady", instances: 1)).status == 201)
            let tasks = taskIds(try await leader.api.waitForRunning("/steady", count: 1))

            for member in cluster.etcd.members { member.pause() }
            let clock = ContinuousClock()
            let started = clock.now
            let refused = try await leader.api.request("POST", "/v2/apps", body: Self.web("/during-outage", instances: 0).data, timeout: .seconds(30))
            let took = clock.now - started
            #expect([502, 503].contains(refused.status), "\(refused)")
            #expect(refused.json["message"]?.string?.isEmpty == false, "\(refused)")
            #expect(took < .seconds(15), "the write was answered after \(took)")
            try await waitUntil("the leader steps down", timeout: .seconds(30)) {
                leader.process.log.contains("this server stops leading")
            }
            #expect(cluster.liveTaskIds(app: "/steady") == tasks, "tasks keep running without a leader")

            for member in cluster.etcd.members { member.resume() }
            let next = try await cluster.waitForLeader(timeout: .seconds(60))
            _ = try await Self.postUntilAccepted(Self.web("/after-outage", instances: 0), via: [next])
            // The write was sent before etcd froze: etcd may apply it when it thaws, after the client
            // heard 503 (the message says the outcome is unknown). What must hold is all or nothing.
            #expect(refused.json["message"]?.string?.contains("may or may not have been applied") == true, "\(refused)")
            if let applied = try await next.api.app("/during-outage") {
                #expect(applied["instances"]?.int == 0 && applied["id"]?.string == "/during-outage", "\(applied)")
            }
            try await waitUntil("the tasks are back in the API", timeout: .seconds(60)) {
                taskIds(try await next.api.runningTasks(of: "/steady")) == tasks
            }
        }
    }

    @Test("a server started while etcd is down says so, answers 502, and leads once etcd is back")
    func startsWithoutEtcd() async throws {
        try await withHACluster(servers: 1, agents: 0) { cluster in
            let server = cluster.servers[0]
            try await server.process.kill9()
            for member in cluster.etcd.members { member.kill9() }
            try await cluster.startServer(server)
            try await waitUntil("the server says etcd is not reachable", timeout: .seconds(30)) {
                server.process.log.contains("etcd is not reachable")
            }
            let answer = try await server.api.request("POST", "/v2/apps", body: Self.web("/early", instances: 0).data, timeout: .seconds(30))
            #expect(answer.status == 502, "\(answer)")
            #expect(answer.json["message"]?.string == "Could not determine the current leader")
            #expect(try await server.api.get("/v2/leader").status == 404)
            for member in cluster.etcd.members { try member.start() }
            _ = try await Self.postUntilAccepted(Self.web("/late", instances: 0), via: [server], timeout: .seconds(60))
            #expect(try await server.api.app("/late") != nil)
        }
    }

    /// Writes `value` under `key` in etcd directly (the JSON gateway), as a damaged disk or a newer
    /// wharf would leave it.
    static func etcdPut(_ cluster: HAClusterHarness, key: String, value: String) async throws {
        let body = "{\"key\":\"\(Data(key.utf8).base64EncodedString())\",\"value\":\"\(Data(value.utf8).base64EncodedString())\"}"
        let endpoint = try #require(cluster.etcd.cluster.clientURLs.first)
        let result = try await MarathonClient(baseURL: endpoint).request("POST", "/v3/kv/put", body: Data(body.utf8))
        #expect(result.status == 200, "\(result)")
    }

    @Test("an app record in etcd that does not decode: the next leader quarantines the app and leaves its tasks alone")
    func damagedRecordQuarantined() async throws {
        try await withHACluster(agents: 1) { cluster in
            let leader = try await cluster.waitForLeader()
            #expect(try await leader.api.post("/v2/apps", Self.web("/damaged", instances: 2)).status == 201)
            let tasks = taskIds(try await leader.api.waitForRunning("/damaged", count: 2))
            try await Self.etcdPut(cluster, key: cluster.prefix + "state/apps/damaged", value: "{\"schemaVersion\": 2, \"app\": 17")
            try await leader.process.kill9()
            let successor = try await cluster.waitForLeader(excluding: leader)
            try await waitUntil("the new leader quarantines the app", timeout: .seconds(30)) {
                try await successor.api.get(MarathonClient.appPath("/damaged")).status == 503
            }
            let answer = try await successor.api.get(MarathonClient.appPath("/damaged"))
            #expect(answer.json["message"]?.string?.contains("apps/damaged") == true, "\(answer)")
            for _ in 0..<8 {
                #expect(cluster.liveTaskIds(app: "/damaged") == tasks)
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    @Test("the leader compacts etcd's history")
    func compaction() async throws {
        try await withHACluster(agents: 0, serverArguments: ["--etcd-compaction-interval", "0.5"]) { cluster in
            let leader = try await cluster.waitForLeader()
            for n in 1...5 { #expect(try await leader.api.post("/v2/apps", Self.web("/c\(n)", instances: 0)).status == 201) }
            try await waitUntil("the leader compacts", timeout: .seconds(30)) {
                leader.process.log.contains("etcd history compacted")
            }
            let endpoint = try #require(cluster.etcd.cluster.clientURLs.first)
            let old = try await MarathonClient(baseURL: endpoint).request(
                "POST", "/v3/kv/range", body: Data("{\"key\":\"\(Data("/".utf8).base64EncodedString())\",\"revision\":\"2\"}".utf8))
            #expect(old.text.contains("compacted"), "\(old)")
        }
    }

    @Test("a server with another token on the same prefix is refused, naming the flag")
    func wrongTokenRefused() async throws {
        try await withHACluster(agents: 0) { cluster in
            let port = PortAllocator.shared.block(of: 2).lowerBound
            let result = try await runWharfCLI([
                "server", "--etcd", cluster.etcd.endpoints, "--etcd-prefix", cluster.prefix, "--token", "another-token-0123456789",
                "--data-dir", cluster.root + "/intruder", "--api-port", "\(port)", "--agent-port", "\(port + 1)", "--bind", "127.0.0.1",
            ], timeout: .seconds(60))
            #expect(result.exitCode != 0)
            #expect(result.stderr.contains("use another --token"), "\(result)")
        }
    }
}

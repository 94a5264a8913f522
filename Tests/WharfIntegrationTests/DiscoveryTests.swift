import AsyncHTTPClient
import Foundation
import Synchronization
import Testing

/// Service discovery with the real binary: the edge router by Host header and by service port,
/// DNS answers checked with `dig`, and Consul's API read by a Consul client library (py-consul).
@Suite("Discovery and routing", .timeLimit(.minutes(15)))
struct DiscoveryTests {
    /// Runs a program found on PATH.
    static func run(_ program: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> CommandResult {
        try await runCommand("/usr/bin/env", [program] + arguments, timeout: timeout)
    }

    static func isInstalled(_ program: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(program)")
        }
    }

    /// `GET path` through the router with `host` as the Host header: (status, body).
    static func throughRouter(_ wharf: WharfProcess, host: String, path: String = "/") async throws -> (Int, String) {
        try await throughRouter(port: wharf.routerPort, host: host, path: path)
    }

    static func throughRouter(port: Int, host: String, path: String = "/", address: String = "127.0.0.1") async throws -> (Int, String) {
        var request = HTTPClientRequest(url: "http://\(address):\(port)\(path)")
        request.headers.replaceOrAdd(name: "Host", value: host)
        let response = try await MarathonClient.http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(decoding: body.readableBytesView, as: UTF8.self))
    }

    /// Deploys the health-checked test app routed for `host` and waits until all its instances are
    /// healthy; returns their tasks.
    @discardableResult
    static func deployRouted(_ wharf: WharfProcess, _ id: String, instances: Int, host: String,
                             upgradeStrategy: JSON? = nil) async throws -> [JSON] {
        var app = Fixtures.healthChecked(id, instances: instances, upgradeStrategy: upgradeStrategy)
        app["labels"] = ["wharf.http.host": .string(host)]
        let created = try await wharf.api.post("/v2/apps", app)
        #expect(created.status == 201, "\(created)")
        return try await wharf.api.waitForHealthy(id, count: instances)
    }

    @Test("curl through the router by Host header reaches every instance; unknown hosts get 404")
    func routesByHost() async throws {
        try await withWharf { wharf in
            let tasks = try await Self.deployRouted(wharf, "/shop/web", instances: 3, host: "shop.example.com")
            let expected = taskIds(tasks)

            var seen = Set<String>()
            try await waitUntil("requests through the router reach all 3 instances", timeout: .seconds(20), every: .milliseconds(10)) {
                let result = try await Self.run("curl", ["-s", "-H", "Host: shop.example.com", "http://127.0.0.1:\(wharf.routerPort)/whoami"])
                seen.insert(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                return seen.isSuperset(of: expected)
            }
            #expect(seen == expected)

            // Every app's first port is also routed as <service>.localhost.
            let (status, body) = try await Self.throughRouter(wharf, host: "shop-web.localhost")
            #expect(status == 200)
            #expect(expected.contains(body.trimmingCharacters(in: .whitespacesAndNewlines)))

            let (missing, text) = try await Self.throughRouter(wharf, host: "nobody.example.com")
            #expect(missing == 404)
            #expect(text.contains("nobody.example.com"))
        }
    }

    @Test("an instance leaves routing as soon as it is killed, and a scaled-down app stops getting its traffic")
    func killedInstanceLeavesRouting() async throws {
        try await withWharf { wharf in
            let tasks = try await Self.deployRouted(wharf, "/web", instances: 2, host: "web.test")
            let victim = try #require(tasks.first?["id"]?.string)
            #expect(try await wharf.api.delete("/v2/apps/web/tasks/\(victim)?scale=true").status == 200)
            // Straight after the kill was acknowledged, nothing is routed to it any more.
            for _ in 0..<20 {
                let (status, body) = try await Self.throughRouter(wharf, host: "web.test")
                #expect(status == 200)
                #expect(body.trimmingCharacters(in: .whitespacesAndNewlines) != victim)
            }
            let routes = try await wharf.api.get("/v1/wharf/routes")
            #expect(routes.status == 200)
            let route = try #require(routes.json["http"]?.array?.first { $0["hosts"]?[0]?.string == "web.test" })
            #expect(route["backends"]?.array?.count == 1)
        }
    }

    @Test("a bad route label does not stop the app; the route is rejected and the reason shown")
    func badRouteLabel() async throws {
        try await withWharf { wharf in
            var app = Fixtures.httpServer("/labelled")
            app["labels"] = ["wharf.http.host": "not a host!", "wharf.http.path": "/ok"]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            _ = try await wharf.api.waitForRunning("/labelled", count: 1)
            let shown = try await poll("the app shows the rejected route", timeout: .seconds(10)) { () -> String? in
                try await wharf.api.get("/v2/apps/labelled").json["app"]?["routeErrors"]?[0]?.string
            }
            #expect(shown.contains("not a host!"))
            #expect(wharf.logTail(lines: 2000).contains("route rejected"))
        }
    }

    @Test("a smuggling attempt through the router gets 400 and never reaches an instance")
    func smugglingRejected() async throws {
        try await withWharf { wharf in
            try await Self.deployRouted(wharf, "/guarded", instances: 1, host: "guarded.test")
            let script = """
                import socket
                s = socket.create_connection(("127.0.0.1", \(wharf.routerPort)), timeout=10)
                s.sendall(b"POST /make-sick HTTP/1.1\\r\\nHost: guarded.test\\r\\nContent-Length: 4\\r\\n"
                          b"Transfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\nGET /make-sick HTTP/1.1\\r\\nHost: guarded.test\\r\\n\\r\\n")
                data = b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                print(data.decode().split("\\r\\n")[0])
                print(data.count(b"HTTP/1.1"))
                """
            let result = try await Self.run("python3", ["-c", script])
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.first == "HTTP/1.1 400 Bad Request", "\(result)")
            #expect(lines.dropFirst().first == "1", "exactly one response, then the connection is closed: \(result)")
            // /make-sick never reached the instance: its /health still answers ok.
            let (status, body) = try await Self.throughRouter(wharf, host: "guarded.test", path: "/health")
            #expect(status == 200)
            #expect(body.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        }
    }

    @Test("TCP mode: the router listens on the app's service port and relays to its instances")
    func tcpRoute() async throws {
        let servicePort = PortAllocator.shared.block(of: 1).lowerBound
        try await withWharf(["--tcp-routes", "true"]) { wharf in
            var app = Fixtures.healthChecked("/tcp/web", instances: 2)
            app["portDefinitions"] = [["port": .number(Double(servicePort)), "name": "http"]]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let expected = taskIds(try await wharf.api.waitForHealthy("/tcp/web", count: 2))
            var seen = Set<String>()
            try await waitUntil("the service port reaches both instances", timeout: .seconds(20), every: .milliseconds(10)) {
                let result = try await Self.run("curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(servicePort)/"])
                seen.insert(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                return seen.isSuperset(of: expected)
            }
            #expect(seen == expected)
            // Destroying the app closes the listener.
            #expect(try await wharf.api.delete("/v2/apps/tcp/web").status == 200)
            try await waitUntil("the service port is closed", timeout: .seconds(20)) {
                let result = try await Self.run("curl", ["-s", "--max-time", "2", "http://127.0.0.1:\(servicePort)/"])
                return result.exitCode == 7
            }
        }
    }

    @Test("dig: A and SRV answers match the instances; unknown names are NXDOMAIN")
    func dnsAnswers() async throws {
        guard Self.isInstalled("dig") else {
            Issue.record("dig is not installed (package dnsutils); scripts/test installs it")
            return
        }
        try await withWharf { wharf in
            #expect(try await wharf.api.post("/v2/apps", Fixtures.healthChecked("/shop/db", instances: 2)).status == 201)
            let tasks = try await wharf.api.waitForHealthy("/shop/db", count: 2)
            let ports = Set(tasks.compactMap { $0["ports"]?[0]?.int })
            let dig = ["@127.0.0.1", "-p", "\(wharf.dnsPort)", "+short", "+tries=1", "+time=2"]
            let srv = try await poll("SRV lists both instances", timeout: .seconds(10)) { () -> [String]? in
                let lines = try await Self.run("dig", dig + ["_shop-db._tcp.service.consul", "SRV"]).stdout.split(separator: "\n").map(String.init)
                return lines.count == 2 ? lines : nil
            }
            // "priority weight port target"
            #expect(Set(srv.compactMap { Int($0.split(separator: " ")[2]) }) == ports)
            #expect(srv.allSatisfy { $0.hasSuffix(".node.dc1.consul.") })
            let a = try await Self.run("dig", dig + ["shop-db.service.consul", "A"])
            #expect(a.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "127.0.0.1")
            let short = try await Self.run("dig", dig + ["shop-db.wharf", "A"])
            #expect(short.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "127.0.0.1")
            let unknown = try await Self.run("dig", ["@127.0.0.1", "-p", "\(wharf.dnsPort)", "+tries=1", "+time=2", "nothing.service.consul"])
            #expect(unknown.stdout.contains("NXDOMAIN"))
            #expect(unknown.stdout.contains("SOA"))
        }
    }

    @Test("--consul-port serves the Consul API alone, with Consul's headers and a blocking query")
    func consulPortAlone() async throws {
        let port = PortAllocator.shared.block(of: 1).lowerBound
        try await withWharf(["--consul-port", "\(port)"]) { wharf in
            let consul = MarathonClient(baseURL: "http://127.0.0.1:\(port)")
            let before = try await consul.get("/v1/catalog/services")
            #expect(before.status == 200)
            let index = try #require(before.header("X-Consul-Index").flatMap { Int($0) }, "\(before)")
            #expect(try await consul.get("/v1/agent/self").json["Config"]?["NodeName"]?.string == "wharf")
            #expect(try await consul.get("/v2/apps").status == 404, "only Consul's routes")

            async let woken = consul.get("/v1/catalog/services?index=\(index)&wait=20s")
            try await Task.sleep(for: .milliseconds(200))
            _ = try await wharf.api.post("/v2/apps", ["id": "/alone", "cmd": "sleep 600", "cpus": 0.1, "mem": 16])
            let after = try await woken
            #expect(after.json["alone"] != nil, "\(after)")
            #expect((after.header("X-Consul-Index").flatMap { Int($0) } ?? 0) > index)
        }
    }

    @Test("py-consul reads services and health, and a blocking query returns within 1 s of a scale change")
    func consulClient() async throws {
        let probe = try await Self.run("python3", ["-c", "import consul"])
        guard probe.exitCode == 0 else {
            Issue.record("py-consul is not installed (pip install py-consul); scripts/test installs it")
            return
        }
        try await withWharf { wharf in
            var app = Fixtures.healthChecked("/shop/api", instances: 3)
            app["labels"] = ["prod": "tag"]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let tasks = try await wharf.api.waitForHealthy("/shop/api", count: 3)
            let ports = tasks.compactMap { $0["ports"]?[0]?.int }.sorted()
            let script = """
                import consul, json, threading, time, urllib.request
                c = consul.Consul(host="127.0.0.1", port=\(wharf.apiPort))
                out = {}
                out["dc"] = c.agent.self()["Config"]["Datacenter"]
                out["leader"] = c.status.leader()
                index, services = c.catalog.services()
                out["services"] = services
                index, entries = c.health.service("shop-api", passing=True)
                out["ports"] = sorted(e["Service"]["Port"] for e in entries)
                out["checks"] = sorted(set(ch["Status"] for e in entries for ch in e["Checks"]))
                _, tagged = c.catalog.service("shop-api", tag="prod")
                out["tagged"] = len(tagged)
                result = {}
                def watch():
                    i, e = c.health.service("shop-api", passing=True, index=index, wait="30s")
                    result["at"] = time.monotonic()
                    result["count"] = len(e)
                    result["index_moved"] = int(i) > int(index)
                t = threading.Thread(target=watch)
                t.start()
                time.sleep(0.5)
                body = json.dumps({"instances": 2}).encode()
                req = urllib.request.Request("http://127.0.0.1:\(wharf.apiPort)/v2/apps/shop/api", data=body, method="PUT",
                                             headers={"Content-Type": "application/json"})
                sent = time.monotonic()
                urllib.request.urlopen(req).read()
                t.join(40)
                out["blocking_seconds"] = result["at"] - sent
                out["after"] = result["count"]
                out["index_moved"] = result["index_moved"]
                print(json.dumps(out))
                """
            let result = try await Self.run("python3", ["-c", script], timeout: .seconds(90))
            #expect(result.exitCode == 0, "\(result)")
            let output = try #require(JSON(data: Data(result.stdout.utf8)), "\(result)")
            #expect(output["dc"]?.string == "dc1")
            #expect(output["leader"]?.string == "127.0.0.1:\(wharf.apiPort)")
            #expect(output["services"]?["shop-api"]?.array?.compactMap(\.string) == ["prod"])
            #expect(output["ports"]?.array?.compactMap(\.int) == ports)
            #expect(output["checks"]?.array?.compactMap(\.string) == ["passing"])
            #expect(output["tagged"]?.int == 3)
            #expect(output["after"]?.int == 2)
            #expect(output["index_moved"]?.bool == true)
            let seconds = try #require(output["blocking_seconds"]?.double)
            #expect(seconds < 1.0, "the blocking query returned \(seconds) s after the scale change")
        }
    }

    @Test("a rolling restart under continuous load through the router returns no error to any client")
    func zeroDropRollingRestart() async throws {
        try await withWharf { wharf in
            let before = taskIds(try await Self.deployRouted(wharf, "/busy", instances: 3, host: "busy.test",
                                                             upgradeStrategy: ["minimumHealthCapacity": 1, "maximumOverCapacity": 0.34]))

            let counters = LoadCounters()
            let port = wharf.routerPort
            let load = counters.generate(clients: 6) { try await Self.throughRouter(port: port, host: "busy.test") }
            try await waitUntil("load is flowing", timeout: .seconds(10)) { counters.served.load(ordering: .relaxed) > 50 }
            let atRestart = counters.served.load(ordering: .relaxed)
            let restart = try await wharf.api.post("/v2/apps/busy/restart")
            #expect(restart.status == 200, "\(restart)")
            let after = try await poll("every instance was replaced", timeout: .seconds(90)) { () -> Set<String>? in
                let ids = taskIds(try await wharf.api.healthyTasks(of: "/busy"))
                let done = try await wharf.api.deploymentIds().isEmpty
                return done && ids.count == 3 && ids.isDisjoint(with: before) ? ids : nil
            }
            let total = counters.served.load(ordering: .relaxed)
            try await waitUntil("more load after the restart", timeout: .seconds(10)) { counters.served.load(ordering: .relaxed) > total + 50 }
            counters.stop.store(true, ordering: .relaxed)
            await load.value
            #expect(after.count == 3)
            #expect(counters.failures.withLock { $0 }.isEmpty, "\(counters.failures.withLock { Array($0.prefix(5)) })")
            // Requests went through while the instances were replaced (not only before and after).
            #expect(total - atRestart > 20, "\(total - atRestart) requests during the restart")
        }
    }
}

/// What the load loops of a zero-drop test share.
final class LoadCounters: Sendable {
    let failures = Mutex<[String]>([])
    let served = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)

    /// `clients` loops sending `request` back to back until `stop`, counting 200s as served and
    /// anything else (another status, an error) as a failure.
    func generate(clients: Int, _ request: @escaping @Sendable () async throws -> (Int, String)) -> Task<Void, Never> {
        Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        while !self.stop.load(ordering: .relaxed) {
                            do {
                                let (status, body) = try await request()
                                if status == 200 {
                                    self.served.add(1, ordering: .relaxed)
                                } else {
                                    self.failures.withLock { $0.append("HTTP \(status): \(body)") }
                                }
                            } catch {
                                self.failures.withLock { $0.append("\(error)") }
                            }
                        }
                    }
                }
            }
        }
    }
}

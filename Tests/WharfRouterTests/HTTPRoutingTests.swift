import Foundation
import NIOCore
import Testing
import WharfRouter

@Suite(.timeLimit(.minutes(3))) struct HTTPRoutingTests {
    @Test func routesByHostAndLongestPrefixWithWildcardFallback() async throws {
        let (a, api, any) = (try await TestBackend.start(id: "a"), try await TestBackend.start(id: "api"), try await TestBackend.start(id: "any"))
        let table = RouteTable(http: [
            HTTPRoute(name: "a", hosts: ["a.test"], pathPrefix: "/", backends: [a.backend()]),
            HTTPRoute(name: "api", hosts: ["A.test"], pathPrefix: "/api", backends: [api.backend()]),
            HTTPRoute(name: "any", hosts: [], pathPrefix: "/", backends: [any.backend()]),
        ])
        try await RouterHarness.with(table) { harness in
            let reply1 = try await harness.get("/x")
            #expect(reply1.body == "a")
            let reply2 = try await harness.get("/api/users", host: "A.TEST:8000")
            #expect(reply2.body == "api")
            let reply3 = try await harness.get("/api", host: "other.test")
            #expect(reply3.body == "any")
        }
        for backend in [a, api, any] { await backend.stop() }
    }

    @Test func routerErrorsHaveStatusAndBody() async throws {
        let hang = try await TestBackend.start(id: "hang")
        let refused = try await refusedPort()
        let table = RouteTable(http: [
            HTTPRoute(name: "web", hosts: ["a.test"], pathPrefix: "/hang", backends: [hang.backend()]),
            HTTPRoute(name: "empty", hosts: ["empty.test"], pathPrefix: "/", backends: []),
            HTTPRoute(name: "dead", hosts: ["dead.test"], pathPrefix: "/", backends: [Backend(id: "d1", host: "127.0.0.1", port: refused)]),
        ])
        let configuration = RouterConfiguration(bindAddress: "127.0.0.1", httpPort: 0, backendTimeout: .milliseconds(300))
        try await RouterHarness.with(table, configuration: configuration) { harness in
            let notFound = try await harness.get("/y?q=1", host: "x.test")
            #expect(notFound.status == 404)
            #expect(notFound.body == "no route for host \"x.test\" path \"/y\"\n")
            #expect(notFound.headers["content-type"].first?.hasPrefix("text/plain") == true)
            #expect(notFound.headers["connection"].isEmpty)

            let empty = try await harness.get("/", host: "empty.test")
            #expect(empty.status == 503)
            #expect(empty.body == "no healthy instance of empty\n")

            let dead = try await harness.get("/", host: "dead.test")
            #expect(dead.status == 502)
            #expect(dead.body.hasPrefix("dead: no instance accepted a connection (last error: "))

            let slow = try await harness.get("/hang", host: "a.test")
            #expect(slow.status == 504)
            #expect(slow.body.contains("sent no response"))
            #expect(harness.router.stats.responses5xx == 3)
            #expect(harness.router.stats.responses4xx == 1)
        }
        await hang.stop()
    }

    @Test func roundRobinReachesEveryBackend() async throws {
        let backends = [try await TestBackend.start(id: "r1"), try await TestBackend.start(id: "r2"), try await TestBackend.start(id: "r3")]
        let table = RouteTable(http: [HTTPRoute(name: "rr", hosts: [], pathPrefix: "/", backends: backends.map { $0.backend() })])
        try await RouterHarness.with(table) { harness in
            var seen: [String: Int] = [:]
            for _ in 0..<9 {
                seen[try await harness.get("/").body, default: 0] += 1
            }
            #expect(seen == ["r1": 3, "r2": 3, "r3": 3])
        }
        for backend in backends { await backend.stop() }
    }

    @Test func leastConnectionsAvoidsTheBusyBackend() async throws {
        let backends = [try await TestBackend.start(id: "l1"), try await TestBackend.start(id: "l2")]
        let table = RouteTable(http: [
            HTTPRoute(name: "lc", hosts: [], pathPrefix: "/", backends: backends.map { $0.backend() }, balance: .leastConnections)
        ])
        try await RouterHarness.with(table) { harness in
            var request = HTTPClientRequestFactory.make(port: harness.port, path: "/slow")
            request.headers.replaceOrAdd(name: "Host", value: "a.test")
            let slow = try await harness.client.execute(request, timeout: .seconds(20))
            let busy = slow.headers["x-backend"].first ?? ""
            #expect(!busy.isEmpty)
            for _ in 0..<4 {
                let other = try await harness.get("/")
                #expect(other.body != busy)
            }
            for backend in backends { backend.recorder.release() }
            let body = try await slow.body.collect(upTo: 1024)
            #expect(String(buffer: body) == "first\nrest\n")
        }
        for backend in backends { await backend.stop() }
    }

    @Test func refusedBackendIsEjectedAndRequestRetried() async throws {
        let good = try await TestBackend.start(id: "good")
        let refused = try await refusedPort()
        let table = RouteTable(http: [
            HTTPRoute(name: "web", hosts: [], pathPrefix: "/", backends: [Backend(id: "bad", host: "127.0.0.1", port: refused), good.backend()])
        ])
        try await RouterHarness.with(table) { harness in
            for _ in 0..<6 {
                let reply = try await harness.get("/")
                #expect(reply.status == 200)
                #expect(reply.body == "good")
            }
            let stats = harness.router.stats
            #expect(stats.backendConnectFailures == 1)
            #expect(stats.retries == 1)
            #expect(stats.requestsTotal == 6)
        }
        await good.stop()
    }

    @Test func forwardedHeadersAndHopByHopRemoval() async throws {
        let backend = try await TestBackend.start(id: "h")
        let table = RouteTable(http: [HTTPRoute(name: "h", hosts: [], pathPrefix: "/", backends: [backend.backend()])])
        try await RouterHarness.with(table) { harness in
            let client = try await RawClient.connect(port: harness.port)
            try await client.send(
                "GET /headers HTTP/1.1\r\nHost: Shop.test:81\r\nX-Forwarded-For: 10.1.1.1\r\nX-Forwarded-Proto: https\r\n"
                    + "Connection: keep-alive, X-Drop\r\nX-Drop: secret\r\nKeep-Alive: timeout=9\r\nProxy-Connection: x\r\nTE: trailers\r\n"
                    + "Upgrade: nothing\r\nX-Keep: yes\r\n\r\n"
            )
            try await waitUntil("response") { client.text.contains("x-keep: yes") && client.text.hasSuffix("\n") }
            let text = client.text.lowercased()
            #expect(text.contains("host: shop.test:81\n"))
            #expect(text.contains("x-forwarded-for: 10.1.1.1, 127.0.0.1\n"))
            #expect(text.contains("x-forwarded-proto: http\n"))
            #expect(text.contains("x-forwarded-host: shop.test:81\n"))
            for hidden in ["x-drop", "keep-alive", "proxy-connection", "te:", "upgrade", "connection: keep-alive"] {
                #expect(!text.contains(hidden), "\(hidden) was forwarded")
            }
            // Response side: the backend's Connection-listed and Keep-Alive headers are removed.
            let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
            #expect(head.hasPrefix("http/1.1 200"))
            #expect(!head.contains("x-secret"))
            #expect(!head.contains("keep-alive"))
            #expect(!head.contains("connection:"))
            await client.close()
        }
        await backend.stop()
    }
}

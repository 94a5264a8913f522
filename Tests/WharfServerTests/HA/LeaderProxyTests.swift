import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
@testable import WharfServer

/// Servers on real loopback listeners, one leading with a small API and the others following it,
/// as Marathon's `ForwardToLeaderIntegrationTest` sets them up.
@Suite(.timeLimit(.minutes(3))) struct LeaderProxyTests {
    /// Starts a leader answering with `api` and `followers` followers of it, runs `body`, stops them.
    private func cluster(followers: Int = 1, _ body: (ProxyNode, [ProxyNode], LeaderTestAPI, HTTPClient) async throws -> Void)
        async throws {
        let api = LeaderTestAPI()
        let leader = try await ProxyNode.start()
        leader.lead(with: api.responder)
        var nodes: [ProxyNode] = []
        for _ in 0 ..< followers {
            let node = try await ProxyNode.start()
            node.follow(leader.address)
            nodes.append(node)
        }
        let client = HTTPClient.proxyTestClient()
        do {
            try await body(leader, nodes, api, client)
        } catch {
            for node in nodes + [leader] { try await node.stop() }
            throw error
        }
        for node in nodes + [leader] { try await node.stop() }
    }

    @Test func writeThroughFollowerReachesLeader() async throws {
        try await cluster(followers: 2) { leader, followers, api, client in
            let body = Array(#"{"id":"/web","cmd":"sleep 100"}"#.utf8)
            let reply = try await client.send(.POST, "/v2/apps?force=true", to: followers[0], body: body,
                                              headers: [("Content-Type", "application/json"), ("X-Test-Tag", "t1")])
            #expect(reply.status == 201)
            #expect(reply.text == #"{"id":"/web","bytes":\#(body.count)}"#)
            #expect(reply.headers["X-Marathon-Leader"] == ["http://\(leader.address)"])
            #expect(reply.headers["X-Marathon-Via"] == ["1.1 \(followers[0].address)"])
            #expect(reply.headers["Location"] == ["/v2/apps/web"])
            #expect(reply.headers["X-Test-Reply"] == ["created"])
            #expect(reply.headers["Content-Type"] == ["application/json"])

            let seen = try #require(api.seen.withLock { $0.last })
            #expect(seen.method == "POST")
            #expect(seen.path == "/v2/apps?force=true")
            #expect(seen.bodyBytes == body.count)
            #expect(seen.headers[values: ProxyHeaders.via] == ["1.1 \(followers[0].address)"])
            #expect(seen.headers[ProxyHeaders.forwardedFor] == "127.0.0.1")
            #expect(seen.headers[.init("X-Test-Tag")!] == "t1")

            // Answered by the leader itself: its header, no Via.
            let direct = try await client.send(.GET, "/ping", to: leader)
            #expect(direct.text == "pong")
            #expect(direct.headers["X-Marathon-Leader"] == ["http://\(leader.address)"])
            #expect(direct.headers["X-Marathon-Via"].isEmpty)

            // A follower of a follower: two hops, each named once, the leader's header kept.
            followers[1].follow(followers[0].address)
            let twice = try await client.send(.GET, "/ping", to: followers[1])
            #expect(twice.status == 200)
            #expect(twice.text == "pong")
            #expect(twice.headers["X-Marathon-Leader"] == ["http://\(leader.address)"])
            #expect(Set(twice.headers["X-Marathon-Via"]) == ["1.1 \(followers[0].address)", "1.1 \(followers[1].address)"])
        }
    }

    @Test func statusCodesAndBodiesComeThrough() async throws {
        try await cluster { _, followers, _, client in
            for code in [404, 500, 302, 409] {
                let reply = try await client.send(.GET, "/status/\(code)", to: followers[0])
                #expect(reply.status == code)
                #expect(reply.text == "status \(code)")
                #expect(reply.headers["Location"] == ["/elsewhere"], "a redirect is passed on, not followed")
            }
            // Unrouted on the leader: its own 404.
            let missing = try await client.send(.GET, "/nowhere", to: followers[0])
            #expect(missing.status == 404)
        }
    }

    @Test func largeBodyIsForwardedIntact() async throws {
        try await cluster { _, followers, _, client in
            var generator = SystemRandomNumberGenerator()
            let body = (0 ..< 5 * 1024 * 1024).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
            let reply = try await client.send(.POST, "/echo", to: followers[0], body: body, timeout: .seconds(60))
            #expect(reply.status == 200)
            #expect(reply.body.count == body.count)
            #expect(reply.body == body)

            // Chunked, with no length known up front: streamed through as well.
            var chunked = HTTPClientRequest(url: "http://\(followers[0].address)/echo")
            chunked.method = .POST
            let parts = stride(from: 0, to: body.count, by: 64 * 1024).map {
                ByteBuffer(bytes: body[$0 ..< min($0 + 64 * 1024, body.count)])
            }
            let stream = AsyncStream<ByteBuffer> { continuation in
                for part in parts { continuation.yield(part) }
                continuation.finish()
            }
            chunked.body = .stream(stream, length: .unknown)
            let response = try await client.execute(chunked, timeout: .seconds(60))
            #expect(response.status == .ok)
            let echoed = try await response.body.collect(upTo: 64 << 20)
            #expect(Array(echoed.readableBytesView) == body)
        }
    }

    @Test func eventStreamFlowsLiveThroughFollowerAndEndsWithLeader() async throws {
        try await cluster { leader, followers, api, client in
            let request = HTTPClientRequest(url: "http://\(followers[0].address)/v2/events")
            let response = try await client.execute(request, timeout: .seconds(10))
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"] == ["text/event-stream"])
            #expect(response.headers["X-Marathon-Via"] == ["1.1 \(followers[0].address)"])
            try await AgentLinkTests.eventually("the stream to reach the leader") { api.subscriberCount == 1 }

            var received = ""
            var iterator = response.body.makeAsyncIterator()
            // Emitted after the client connected: only a live stream delivers it before the end.
            api.emit("first")
            while !received.contains("data: first\n\n"), let chunk = try await iterator.next() {
                received += String(buffer: chunk)
            }
            #expect(received == "event: test\ndata: first\n\n")
            api.emit("second")
            while !received.contains("data: second\n\n"), let chunk = try await iterator.next() {
                received += String(buffer: chunk)
            }
            #expect(received.hasSuffix("data: second\n\n"))

            // The leader ends the stream: so does the follower's.
            api.endStreams()
            while let chunk = try await iterator.next() { received += String(buffer: chunk) }
            #expect(received == "event: test\ndata: first\n\nevent: test\ndata: second\n\n")
            _ = leader
        }
    }

    @Test func clientLeavingEndsTheStreamOnTheLeader() async throws {
        try await cluster { _, followers, api, client in
            let reader = Task {
                let response = try await client.execute(HTTPClientRequest(url: "http://\(followers[0].address)/v2/events"),
                                                        timeout: .seconds(10))
                for try await chunk in response.body where String(buffer: chunk).contains("data: hello") {
                    return true  // leaves the stream: the client closes its connection
                }
                return false
            }
            try await AgentLinkTests.eventually("the stream to reach the leader") { api.subscriberCount == 1 }
            api.emit("hello")
            #expect(try await reader.value)
            // The follower cancels its request to the leader: the leader's next writes fail.
            try await AgentLinkTests.eventually("the leader's stream to end") {
                api.emit("ping")
                return api.subscriberCount == 0
            }
        }
    }

    @Test func clientLeavingCancelsABlockingQueryOnTheLeader() async throws {
        try await cluster { _, followers, api, client in
            var request = HTTPClientRequest(url: "http://\(followers[0].address)/v1/catalog/services?index=7&wait=5m")
            request.method = .GET
            let waiting = Task { try await client.execute(request, timeout: .seconds(60)) }
            // Once the query waits on the leader, the client leaves.
            try await AgentLinkTests.eventually("the query to reach the leader", within: 10) {
                api.longPollsStarted.withLock { $0 } == 1
            }
            waiting.cancel()
            await #expect(throws: (any Error).self) { _ = try await waiting.value }
            // Nothing was ever written to the idle query: only the client's leaving ends it.
            try await AgentLinkTests.eventually("the leader's blocking query to be abandoned", within: 10) {
                api.longPollsAbandoned.withLock { $0 } == 1
            }
        }
    }

    @Test func proxyingLoopAnswers502() async throws {
        let a = try await ProxyNode.start()
        let b = try await ProxyNode.start()
        a.follow(b.address)
        b.follow(a.address)
        let client = HTTPClient.proxyTestClient()
        let reply = try await client.send(.GET, "/ping", to: a, timeout: .seconds(5))
        #expect(reply.status == 502)
        #expect(reply.message == "Detected proxying loop.")
        try await a.stop()
        try await b.stop()
    }

    @Test func unreachableLeaderAnswers502() async throws {
        // A port nothing listens on: bound, then closed.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let closedPort = try #require(probe.localAddress?.port)
        try await probe.close()

        let follower = try await ProxyNode.start()
        follower.follow("127.0.0.1:\(closedPort)")
        let client = HTTPClient.proxyTestClient()
        let reply = try await client.send(.POST, "/v2/apps", to: follower, body: Array("{}".utf8), timeout: .seconds(5))
        #expect(reply.status == 502)
        #expect(reply.message == "Connection to leader refused.")
        try await follower.stop()
    }

    @Test func requestToALeaderThatStopsAnsweringIsAbandonedWhenAnotherIsElected() async throws {
        // A "leader" that accepts connections and never answers (a paused process: the kernel
        // still accepts).
        let accepted = LockedValue(0)
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.withLock { $0 += 1 }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let silentPort = try #require(silent.localAddress?.port)

        let follower = try await ProxyNode.start()
        follower.follow("127.0.0.1:\(silentPort)")
        let client = HTTPClient.proxyTestClient()
        let pending = Task { try await client.send(.POST, "/v2/apps", to: follower, body: Array("{}".utf8), timeout: .seconds(30)) }
        // The follower has forwarded it (the silent leader accepted the connection) ...
        let deadline = ContinuousClock.now + .seconds(20)
        while accepted.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(accepted.withLock { $0 } > 0)
        // ... and another server is elected: the waiting request is given up with 503, not left hanging.
        follower.follow("127.0.0.1:1")
        let reply = try await pending.value
        #expect(reply.status == 503)
        #expect(reply.message?.contains("The leader changed before it answered") == true)
        try await follower.stop()
    }

    @Test func noLeaderAnswers502AfterTheRetryWindow() async throws {
        let follower = try await ProxyNode.start()
        follower.follow(nil)
        let client = HTTPClient.proxyTestClient()
        let started = ContinuousClock.now
        // Answered (the 10 s client timeout is the upper bound), not hung.
        let reply = try await client.send(.POST, "/v2/apps", to: follower, body: Array("{}".utf8), timeout: .seconds(10))
        #expect(reply.status == 502)
        #expect(reply.message == "Could not determine the current leader")
        #expect(ContinuousClock.now - started >= .milliseconds(2500), "Marathon waits 10 × 250 ms before giving up")

        // Elected but not serving yet: the same.
        follower.lead(with: nil)
        let notServing = try await client.send(.GET, "/ping", to: follower, timeout: .seconds(10))
        #expect(notServing.status == 502)
        try await follower.stop()
    }

    @Test func requestWaitsForLeadershipToSettle() async throws {
        try await cluster { leader, followers, _, client in
            followers[0].follow(nil)
            let pending = Task { try await client.send(.GET, "/ping", to: followers[0], timeout: .seconds(10)) }
            try await Task.sleep(for: .milliseconds(300))
            followers[0].follow(leader.address)
            let reply = try await pending.value
            #expect(reply.status == 200)
            #expect(reply.text == "pong")
            #expect(reply.headers["X-Marathon-Leader"] == ["http://\(leader.address)"])
        }
    }

    @Test func leaderEndpointOnLeaderAndFollower() async throws {
        try await cluster { leader, followers, _, client in
            let expected = #"{"leader":"\#(leader.address)"}"#
            let onLeader = try await client.send(.GET, "/v2/leader", to: leader)
            #expect(onLeader.status == 200)
            #expect(onLeader.text == expected)
            #expect(onLeader.headers["X-Marathon-Leader"] == ["http://\(leader.address)"])
            let onFollower = try await client.send(.GET, "/v2/leader", to: followers[0])
            #expect(onFollower.status == 200)
            #expect(onFollower.text == expected)

            // DELETE on the leader: answered, then abdication.
            let abdicated = try await client.send(.DELETE, "/v2/leader", to: leader)
            #expect(abdicated.status == 200)
            #expect(abdicated.message == "Leadership abdicated")
            try await AgentLinkTests.eventually("the leader to abdicate") { leader.abdications.withLock { $0 } == 1 }
            // DELETE on a follower reaches the leader, as Marathon's filter forwards every path.
            let forwarded = try await client.send(.DELETE, "/v2/leader", to: followers[0])
            #expect(forwarded.status == 200)
            #expect(forwarded.message == "Leadership abdicated")
            #expect(forwarded.headers["X-Marathon-Via"] == ["1.1 \(followers[0].address)"])
            try await AgentLinkTests.eventually("the leader to abdicate again") { leader.abdications.withLock { $0 } == 2 }
            #expect(followers[0].abdications.withLock { $0 } == 0)

            // No leader known: 404 at once, for both.
            followers[0].follow(nil)
            let none = try await client.send(.GET, "/v2/leader", to: followers[0])
            #expect(none.status == 404)
            #expect(none.message == "There is no leader")
            let noneToAbdicate = try await client.send(.DELETE, "/v2/leader", to: followers[0])
            #expect(noneToAbdicate.status == 404)
            #expect(noneToAbdicate.message == "There is no leader")
        }
    }
}

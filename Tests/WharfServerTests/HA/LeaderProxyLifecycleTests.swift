import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import WharfModel
@testable import WharfServer

/// The proxy with the real API (`WharfDev.makeAPIResponder`), across a change of leader, and at
/// shutdown.
@Suite(.timeLimit(.minutes(2))) struct LeaderProxyLifecycleTests {
    @Test func marathonWriteThroughFollowerReachesLeadersControlPlane() async throws {
        let harness = try await ControlPlaneHarness.start()
        let leader = try await ProxyNode.start()
        let follower = try await ProxyNode.start()
        leader.lead(with: WharfDev.makeAPIResponder(controlPlane: harness.controlPlane))
        follower.follow(leader.address)
        let client = HTTPClient.proxyTestClient()

        let created = try await client.send(.POST, "/v2/apps", to: follower,
                                            body: Array(#"{"id":"/web","cmd":"sleep 1000","instances":1,"cpus":0.1,"mem":32}"#.utf8),
                                            headers: [("Content-Type", "application/json")])
        #expect(created.status == 201)
        #expect(created.headers["X-Marathon-Leader"] == ["http://\(leader.address)"])
        #expect(created.headers["X-Marathon-Via"] == ["1.1 \(follower.address)"])
        #expect(!created.headers["Marathon-Deployment-Id"].isEmpty)
        #expect(await harness.state.apps[PathId("/web")] != nil)

        // Bad input gets Marathon's answer through the follower too.
        let invalid = try await client.send(.POST, "/v2/apps", to: follower, body: Array(#"{"id":"/bad","instances":-1}"#.utf8),
                                            headers: [("Content-Type", "application/json")])
        #expect(invalid.status == 422)

        // The leader steps down and the follower takes over: the old leader now forwards.
        leader.follow(follower.address)
        follower.lead(with: WharfDev.makeAPIResponder(controlPlane: harness.controlPlane))
        let listed = try await client.send(.GET, "/v2/apps", to: leader)
        #expect(listed.status == 200)
        #expect(listed.text.contains(#""id":"/web""#))
        #expect(listed.headers["X-Marathon-Leader"] == ["http://\(follower.address)"])
        #expect(listed.headers["X-Marathon-Via"] == ["1.1 \(leader.address)"])

        try await follower.stop()
        try await leader.stop()
        await harness.stop()
    }

    @Test func followerShutdownEndsProxiedStreams() async throws {
        let api = LeaderTestAPI()
        let leader = try await ProxyNode.start()
        let follower = try await ProxyNode.start()
        leader.lead(with: api.responder)
        follower.follow(leader.address)
        let client = HTTPClient.proxyTestClient()

        let response = try await client.execute(HTTPClientRequest(url: "http://\(follower.address)/v2/events"),
                                                timeout: .seconds(10))
        try await AgentLinkTests.eventually("the stream to reach the leader") { api.subscriberCount == 1 }
        var iterator = response.body.makeAsyncIterator()
        var received = ""
        api.emit("before")
        while !received.contains("data: before\n\n"), let chunk = try await iterator.next() {
            received += String(buffer: chunk)
        }
        #expect(received == "event: test\ndata: before\n\n")
        // The follower stops while the leader's stream goes on: the client's stream ends cleanly
        // and the follower's shutdown does not wait for the leader.
        try await follower.stop()
        while let chunk = try await iterator.next() { received += String(buffer: chunk) }
        #expect(received == "event: test\ndata: before\n\n")
        try await AgentLinkTests.eventually("the leader's stream to end") {
            api.emit("ping")
            return api.subscriberCount == 0
        }
        try await leader.stop()
    }
}

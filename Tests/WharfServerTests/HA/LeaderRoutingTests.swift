import HTTPTypes
import NIOHTTP1
import Testing
@testable import WharfServer

/// The decisions of `LeaderProxyFilter` (its unit test's cases) and the forwarded headers.
@Suite(.timeLimit(.minutes(1))) struct LeaderRoutingTests {
    private let me = "host:10000"

    @Test func leaderAnswersLocallyOnceServing() {
        #expect(LeaderRoute.of(LeaderView(isLeader: true, leaderAPIAddress: me, myAPIAddress: me), hasLocal: true) == .local)
        // Elected, API not installed yet: wait.
        #expect(LeaderRoute.of(LeaderView(isLeader: true, leaderAPIAddress: me, myAPIAddress: me), hasLocal: false) == .undecided)
        // Leading wins over a stale leader address.
        #expect(LeaderRoute.of(LeaderView(isLeader: true, leaderAPIAddress: "other:1", myAPIAddress: me), hasLocal: true) == .local)
    }

    @Test func followerForwardsToAnotherLeaderOnly() {
        #expect(LeaderRoute.of(LeaderView(isLeader: false, leaderAPIAddress: "otherhost:9999", myAPIAddress: me), hasLocal: false)
            == .forward("otherhost:9999"))
        // Never to itself, and not without a leader.
        #expect(LeaderRoute.of(LeaderView(isLeader: false, leaderAPIAddress: me, myAPIAddress: me), hasLocal: true) == .undecided)
        #expect(LeaderRoute.of(LeaderView(isLeader: false, myAPIAddress: me), hasLocal: false) == .undecided)
    }

    @Test func forwardedRequestHeaders() {
        let fields: HTTPFields = [
            HTTPField.Name("Host")!: "follower:8080", .connection: "keep-alive, X-Hop", HTTPField.Name("X-Hop")!: "1",
            .transferEncoding: "chunked", .contentLength: "12", .contentType: "application/json",
            .authorization: "token=abc", ProxyHeaders.via: "1.1 a:1", ProxyHeaders.forwardedFor: "10.0.0.9",
            HTTPField.Name("Keep-Alive")!: "timeout=5",
        ]
        let headers = ProxyHeaders.forwardedRequest(fields, me: me, clientAddress: "127.0.0.1")
        for name in ["Host", "Connection", "X-Hop", "Transfer-Encoding", "Content-Length", "Keep-Alive"] {
            #expect(headers[name].isEmpty, "\(name) is not forwarded")
        }
        #expect(headers["Content-Type"] == ["application/json"])
        #expect(headers["Authorization"] == ["token=abc"])
        #expect(headers["X-Marathon-Via"] == ["1.1 a:1", "1.1 host:10000"])
        #expect(headers["X-Forwarded-For"] == ["10.0.0.9,127.0.0.1"])
    }

    @Test func returnedResponseHeaders() {
        let headers: HTTPHeaders = [
            "Content-Type": "application/json", "Content-Length": "7", "Connection": "close",
            "Transfer-Encoding": "chunked", "X-Marathon-Leader": "http://leader:8080", "Location": "/v2/apps/a",
        ]
        let fields = ProxyHeaders.returnedResponse(headers, me: me)
        #expect(fields[.connection] == nil)
        #expect(fields[.transferEncoding] == nil)
        #expect(fields[.contentLength] == "7", "a sized answer stays sized")
        #expect(fields[ProxyHeaders.leader] == "http://leader:8080")
        #expect(fields[.location] == "/v2/apps/a")
        #expect(fields[values: ProxyHeaders.via] == ["1.1 host:10000"])
    }

    @Test func loopIsSeenInAnyViaValue() {
        #expect(ProxyHeaders.isLoop([ProxyHeaders.via: "1.1 host:10000"], me: me))
        #expect(ProxyHeaders.isLoop([ProxyHeaders.via: "1.1 a:1, 1.1 host:10000"], me: me))
        var two = HTTPFields()
        two.append(HTTPField(name: ProxyHeaders.via, value: "1.1 a:1"))
        two.append(HTTPField(name: ProxyHeaders.via, value: "1.1 host:10000"))
        #expect(ProxyHeaders.isLoop(two, me: me))
        #expect(!ProxyHeaders.isLoop([ProxyHeaders.via: "1.1 host:100001"], me: me))
        #expect(!ProxyHeaders.isLoop([:], me: me))
    }
}

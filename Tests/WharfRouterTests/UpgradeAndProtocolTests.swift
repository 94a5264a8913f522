import Foundation
import NIOCore
import Testing
import WharfRouter

@Suite(.timeLimit(.minutes(3))) struct UpgradeAndProtocolTests {
    private func route(_ backend: TestBackend) -> RouteTable {
        RouteTable(http: [HTTPRoute(name: "u", hosts: [], pathPrefix: "/", backends: [backend.backend()])])
    }

    @Test func upgradeBecomesRawRelayWithoutLosingEarlyBytes() async throws {
        let backend = try await TestBackend.start(id: "ws")
        try await RouterHarness.with(self.route(backend)) { harness in
            let client = try await RawClient.connect(port: harness.port)
            try await client.send("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly-bytes")
            try await waitUntil("101 and early echo") { client.text.contains("early-bytes") }
            #expect(client.text.hasPrefix("HTTP/1.1 101"))
            #expect(client.text.lowercased().contains("upgrade: echo"))
            try await client.send("ping-1")
            try await waitUntil("echo") { client.text.hasSuffix("ping-1") }
            #expect(harness.router.stats.upgrades == 1)
            await client.close()
        }
        await backend.stop()
    }

    /// Sends `request` raw and expects a 400 with the connection closed and nothing forwarded.
    private func expectRejected(_ request: String, configuration: RouterConfiguration? = nil) async throws {
        let backend = try await TestBackend.start(id: "never")
        let configuration = configuration ?? RouterConfiguration(bindAddress: "127.0.0.1", httpPort: 0)
        try await RouterHarness.with(self.route(backend), configuration: configuration) { harness in
            let client = try await RawClient.connect(port: harness.port)
            try await client.send(request)
            try await waitUntil("connection closed") { client.isClosed }
            #expect(client.text.hasPrefix("HTTP/1.1 400"), "got \(client.text.prefix(80))")
            #expect(backend.recorder.requests.isEmpty)
            await client.close()
        }
        await backend.stop()
    }

    @Test func contentLengthWithTransferEncodingIsRejected() async throws {
        try await self.expectRejected(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        )
    }

    @Test func conflictingContentLengthsAreRejected() async throws {
        try await self.expectRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
    }

    @Test func otherTransferEncodingsAreRejected() async throws {
        try await self.expectRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
    }

    @Test func badRequestLineIsRejected() async throws {
        try await self.expectRejected("GARBAGE\r\n\r\n")
    }

    @Test func obsFoldIsRejected() async throws {
        try await self.expectRejected("GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n")
    }

    @Test func http2PrefaceIsRejected() async throws {
        try await self.expectRejected("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    }

    @Test func oversizedHeadersAreRejected() async throws {
        let configuration = RouterConfiguration(bindAddress: "127.0.0.1", httpPort: 0, maxHeaderBytes: 8 * 1024)
        try await self.expectRejected(
            "GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "b", count: 20 * 1024))\r\n\r\n",
            configuration: configuration
        )
    }

    @Test func slowHeadersAndIdleConnectionsAreClosed() async throws {
        let backend = try await TestBackend.start(id: "t")
        let configuration = RouterConfiguration(
            bindAddress: "127.0.0.1",
            httpPort: 0,
            // Long enough that a loaded machine still connects and sends within them.
            requestHeaderTimeout: .seconds(2),
            clientIdleTimeout: .seconds(2)
        )
        try await RouterHarness.with(self.route(backend), configuration: configuration) { harness in
            // The header timer starts when the router accepts, which is after `connecting`: a close
            // sooner than the timeout after it would be a close for another reason.
            let connecting = ContinuousClock.now
            let slowloris = try await RawClient.connect(port: harness.port)
            try await slowloris.send("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n")
            try await waitUntil("slowloris closed", seconds: 15) { slowloris.isClosed }
            let slowClosed = try #require(slowloris.closedAt)
            #expect(slowClosed - connecting >= .seconds(2), "closed before the header timeout: \(slowClosed - connecting)")
            #expect(slowloris.text.isEmpty || slowloris.text.hasPrefix("HTTP/1.1 408"), "\(slowloris.text)")
            #expect(backend.recorder.requests.isEmpty)

            let idle = try await RawClient.connect(port: harness.port)
            // The idle timer starts once the response is written, which is after `requesting`.
            let requesting = ContinuousClock.now
            try await idle.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            try await waitUntil("response") { idle.text.hasSuffix("t") }
            try await waitUntil("idle connection closed", seconds: 15) { idle.isClosed }
            let idleClosed = try #require(idle.closedAt)
            #expect(idleClosed - requesting >= .seconds(2), "closed before the idle timeout: \(idleClosed - requesting)")
            await slowloris.close()
            await idle.close()
        }
        await backend.stop()
    }

    @Test func closeRequestedByClientIsHonoured() async throws {
        let backend = try await TestBackend.start(id: "c")
        try await RouterHarness.with(self.route(backend)) { harness in
            let client = try await RawClient.connect(port: harness.port)
            try await client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            try await waitUntil("closed") { client.isClosed }
            #expect(client.text.hasPrefix("HTTP/1.1 200"))
            #expect(client.text.lowercased().contains("connection: close"))
            #expect(client.text.hasSuffix("c"))
        }
        await backend.stop()
    }

    @Test func headResponsesCarryNoBodyAndKeepTheConnection() async throws {
        let backend = try await TestBackend.start(id: "hd")
        try await RouterHarness.with(self.route(backend)) { harness in
            let client = try await RawClient.connect(port: harness.port)
            try await client.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
            try await waitUntil("two responses") { client.text.hasSuffix("\r\n\r\nhd") }
            let parts = client.text.components(separatedBy: "HTTP/1.1 200 OK")
            #expect(parts.count == 3)
            #expect(parts[1].hasSuffix("\r\n\r\n"))
            #expect(!client.isClosed)
            await client.close()
        }
        await backend.stop()
    }
}

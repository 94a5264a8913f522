import AsyncHTTPClient
import NIOCore
import Testing
import WharfRouter

/// Request body chunks of `chunkSize` bytes; once `pauseAfter` bytes are out, waits for `gate`.
struct GatedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let total: Int
    let chunkSize: Int
    let pauseAfter: Int
    let gate: @Sendable () async throws -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: GatedBody
        var sent = 0
        var gated = false

        mutating func next() async throws -> ByteBuffer? {
            guard self.sent < self.body.total else { return nil }
            if !self.gated, self.sent >= self.body.pauseAfter {
                self.gated = true
                try await self.body.gate()
            }
            let count = Swift.min(self.body.chunkSize, self.body.total - self.sent)
            self.sent += count
            return ByteBuffer(repeating: UInt8(ascii: "z"), count: count)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
}

@Suite(.timeLimit(.minutes(3))) struct StreamingTests {
    private func route(_ backends: [TestBackend]) -> RouteTable {
        RouteTable(http: [HTTPRoute(name: "s", hosts: [], pathPrefix: "/", backends: backends.map { $0.backend() })])
    }

    @Test func largeChunkedUploadIsStreamedBothWays() async throws {
        let backend = try await TestBackend.start(id: "echo")
        try await RouterHarness.with(self.route([backend])) { harness in
            let total = 20 * 1024 * 1024
            let recorder = backend.recorder
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(harness.port)/echo")
            request.method = .POST
            // The rest of the body is only sent once the backend has seen the first bytes: a
            // router that buffered whole requests would never get there.
            request.body = .stream(
                GatedBody(total: total, chunkSize: 64 * 1024, pauseAfter: 1024 * 1024) {
                    try await waitUntil("backend sees first bytes") { recorder.bodyBytes > 0 }
                },
                length: .unknown
            )
            let response = try await harness.client.execute(request, timeout: .seconds(60))
            #expect(response.status == .ok)
            var received = 0
            for try await part in response.body { received += part.readableBytes }
            #expect(received == total)
            #expect(recorder.bodyBytes == total)
        }
        await backend.stop()
    }

    @Test func contentLengthUploadIsForwarded() async throws {
        let backend = try await TestBackend.start(id: "echo")
        try await RouterHarness.with(self.route([backend])) { harness in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(harness.port)/echo")
            request.method = .PUT
            request.body = .bytes(ByteBuffer(string: String(repeating: "x", count: 100_000)))
            let response = try await harness.client.execute(request, timeout: .seconds(20))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(body.readableBytes == 100_000)
        }
        await backend.stop()
    }

    @Test func responseIsStreamedBeforeItEnds() async throws {
        let backend = try await TestBackend.start(id: "slow")
        try await RouterHarness.with(self.route([backend])) { harness in
            let response = try await harness.client.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(harness.port)/slow"),
                timeout: .seconds(20)
            )
            var iterator = response.body.makeAsyncIterator()
            let first = try await iterator.next()
            #expect(first.map { String(buffer: $0) } == "first\n")
            backend.recorder.release()
            var rest = ""
            while let part = try await iterator.next() { rest += String(buffer: part) }
            #expect(rest == "rest\n")
        }
        await backend.stop()
    }

    @Test func keepAliveOnBothSides() async throws {
        let backend = try await TestBackend.start(id: "k")
        try await RouterHarness.with(self.route([backend])) { harness in
            for _ in 0..<20 {
                let reply1 = try await harness.get("/")
                #expect(reply1.body == "k")
            }
            // The pool reuses backend connections (one per event loop at most here).
            #expect(backend.recorder.connections <= 2)
            #expect(backend.recorder.requests.count == 20)

            // One client connection, several requests, pipelined ones answered in order.
            let client = try await RawClient.connect(port: harness.port)
            try await client.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\n")
            try await waitUntil("first response") { client.text.hasSuffix("k") }
            try await client.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /headers HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n")
            try await waitUntil("pipelined responses") { client.text.components(separatedBy: "HTTP/1.1 200").count == 5 }
            let parts = client.text.components(separatedBy: "HTTP/1.1 200")
            #expect(parts[2].hasSuffix("k"))
            #expect(parts[3].contains("host: a"))
            #expect(parts[4].hasSuffix("k"))
            #expect(!client.isClosed)
            #expect(harness.router.stats.activeClientConnections >= 1)
            await client.close()
        }
        await backend.stop()
    }

    @Test func tableSwapDoesNotBreakRequestInFlight() async throws {
        let old = try await TestBackend.start(id: "old")
        let new = try await TestBackend.start(id: "new")
        try await RouterHarness.with(self.route([old])) { harness in
            let response = try await harness.client.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(harness.port)/slow"),
                timeout: .seconds(20)
            )
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
            harness.router.update(RouteTable(version: 2, http: [HTTPRoute(name: "s", hosts: [], pathPrefix: "/", backends: [new.backend()])]))
            #expect(harness.router.table.version == 2)
            let reply2 = try await harness.get("/")
            #expect(reply2.body == "new")
            old.recorder.release()
            var rest = ""
            while let part = try await iterator.next() { rest += String(buffer: part) }
            #expect(rest == "rest\n")
        }
        await old.stop()
        await new.stop()
    }
}

import Foundation

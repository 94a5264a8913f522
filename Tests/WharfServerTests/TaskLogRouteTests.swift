import Foundation
import NIOCore
import Testing
import WharfModel
@testable import WharfServer

/// The log API's pieces without a server: query parsing, SSE framing, and the link's pending reads.
@Suite("Task log API")
struct TaskLogRouteTests {
    static func parse(_ query: String, accept: String? = nil, lastEventId: String? = nil) throws -> TaskLogRoutes.LogQuery {
        try TaskLogRoutes.parse(QueryParameters(query), accept: accept, lastEventId: lastEventId)
    }

    @Test("defaults, each position, follow, SSE, and Last-Event-ID before offset")
    func parsing() throws {
        #expect(try Self.parse("") == TaskLogRoutes.LogQuery())
        #expect(try Self.parse("stream=stderr&tail=20&follow=true").stream == .stderr)
        #expect(try Self.parse("tail=20").position == .tailLines(20))
        #expect(try Self.parse("offset=123").position == .offset(123))
        #expect(try Self.parse("follow=TRUE").follow)
        let resumed = try Self.parse("offset=5", accept: "text/event-stream", lastEventId: "99")
        #expect(resumed.position == .offset(99) && resumed.resumed && resumed.eventStream)
        // Last-Event-ID means nothing to a plain read.
        #expect(try Self.parse("offset=5", lastEventId: "99").position == .offset(5))
        let now = Timestamp(millis: 1_800_000_000_000)
        #expect(TaskLogRoutes.sinceMillis("90s", now: now) == now.millis - 90_000)
        #expect(TaskLogRoutes.sinceMillis("2h", now: now) == now.millis - 7_200_000)
        #expect(TaskLogRoutes.sinceMillis("2026-12-07T10:00:00.000Z", now: now) == Timestamp(iso8601: "2026-12-07T10:00:00.000Z")?.millis)
        #expect(TaskLogRoutes.sinceMillis("-5m", now: now) == nil)
        #expect(TaskLogRoutes.sinceMillis("soon", now: now) == nil)
    }

    @Test("invalid values are 400s naming the parameter")
    func invalid() {
        for (query, name) in [("stream=out", "stream"), ("tail=-1", "tail"), ("tail=1e3", "tail"), ("offset=-1", "offset"),
                              ("offset=1.5", "offset"), ("since=x", "since"), ("tail=1&since=1h", "tail")] {
            #expect {
                try Self.parse(query)
            } throws: { error in
                let error = error as? MarathonHTTPError
                return error?.status == 400 && error.map { String(decoding: $0.body, as: UTF8.self) }?.contains("'\(name)'") == true
            }
        }
    }

    static func chunk(_ text: String, start: Int64 = 0, ended: Bool = false) -> TaskLogChunk {
        let data = Data(text.utf8)
        return TaskLogChunk(start: start, data: data, oldest: 0, size: start + Int64(data.count), ended: ended)
    }

    @Test("an event carries whole lines, or whole characters when a line is longer than a read")
    func eventBoundaries() {
        #expect(LogFollower.eventBytes(Self.chunk("one\ntwo\nthr"), final: false) == 8)
        #expect(LogFollower.eventBytes(Self.chunk("one\ntwo\nthr"), final: true) == 11)
        // No newline: not inside "é" (2 bytes) or "€" (3 bytes) cut by the read.
        let cutE = TaskLogChunk(start: 0, data: Data("abcé".utf8.dropLast()), oldest: 0, size: 10, ended: false)
        #expect(LogFollower.eventBytes(cutE, final: false) == 3)
        let cutEuro = TaskLogChunk(start: 0, data: Data("ab€".utf8.dropLast()), oldest: 0, size: 10, ended: false)
        #expect(LogFollower.eventBytes(cutEuro, final: false) == 2)
        #expect(LogFollower.eventBytes(Self.chunk("abc€"), final: false) == 6, "a complete character is sent")
        // A lone cut character is sent anyway: never an empty event.
        let lone = TaskLogChunk(start: 0, data: Data([0xE2, 0x82]), oldest: 0, size: 10, ended: false)
        #expect(LogFollower.eventBytes(lone, final: false) == 2)
    }

    @Test("data lines split at LF, CR and CRLF; the id is the offset after the event")
    func eventFraming() {
        let event = LogFollower.dataEvent(Data("a\r\nb\rc\n".utf8), id: 42)
        #expect(String(buffer: event) == "id: 42\ndata: a\ndata: b\ndata: c\ndata: \n\n")
        #expect(String(buffer: LogFollower.dataEvent(Data("no newline".utf8), id: 10)) == "id: 10\ndata: no newline\n\n")
        #expect(String(buffer: LogFollower.endEvent(id: 7, reason: "agent \"a\" disconnected"))
            == "event: end\nid: 7\ndata: {\"offset\":7,\"reason\":\"agent \\\"a\\\" disconnected\"}\n\n")
    }

    @Test("a pending read is answered by its connection only, and fails when that connection ends")
    func pendingReads() async throws {
        let reads = TaskLogReads()
        let (outbox, continuation) = AsyncStream<WireMessage>.makeStream()
        let session = AgentRegistry.Session(serial: 3, agentId: "a1", processId: "p", address: "x", version: 2,
                                            outbox: continuation, close: {})
        let request = TaskLogRequest(taskId: "web.instance-1._app.1", stream: .stdout, position: .offset(0))
        async let answered = reads.send(request, on: session, timeout: .seconds(30))
        var sent = outbox.makeAsyncIterator()
        guard case let .logRead(id, forwarded)? = await sent.next() else {
            Issue.record("no logRead sent")
            return
        }
        #expect(forwarded == request)
        reads.answer(id, serial: 4, with: .failed("from another connection"))
        reads.answer(id, serial: 3, with: .notFound("gone"))
        #expect(await answered == .notFound("gone"))

        async let abandoned = reads.send(request, on: session, timeout: .seconds(30))
        _ = await sent.next()
        reads.abandon(serial: 3, agentId: "a1")
        #expect(await abandoned == .failed("agent a1 disconnected"))

        let timedOut = await reads.send(request, on: session, timeout: .milliseconds(100))
        guard case .failed(let message) = timedOut else {
            Issue.record("no timeout: \(timedOut)")
            return
        }
        #expect(message.contains("did not answer"))
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import WharfModel

/// A task's output: `GET /v2/tasks/{taskId}/logs` (read, tail or follow one stream, as plain text or
/// Server-Sent Events) and Mesos' `GET /files/read` for tools written against Mesos agents.
///
/// Offsets are logical bytes of the stream since the task started, continuous across the rotation
/// of its files. A plain answer says where its bytes start (`X-Wharf-Log-Start`) so that a client
/// resumes with `offset=`; an event stream gives the offset after each event as its `id`, so that an
/// `EventSource` resumes by itself (`Last-Event-ID`). A follow ends when the task has ended and all
/// its output was sent (with an `end` event), or when its agent cannot be reached (the `end` event
/// says why); a reconnect after the end is answered 204, which stops an `EventSource`.
enum TaskLogRoutes {
    /// A follow with nothing new sends an SSE comment this often, so that proxies keep the stream
    /// and a client that left is noticed.
    static let keepaliveSeconds = 15.0
    static let maxTailLines = 100_000
    static let startHeader = HTTPField.Name("X-Wharf-Log-Start")!
    static let sizeHeader = HTTPField.Name("X-Wharf-Log-Size")!
    static let endedHeader = HTTPField.Name("X-Wharf-Task-Ended")!
    static let lastEventIdHeader = HTTPField.Name("Last-Event-ID")!

    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v2/tasks/{taskId}/logs", tag: "tasks",
                      summary: "Read, tail or follow a task's stdout or stderr (text/plain, or text/event-stream when accepted).",
                      parameters: [
                          .init("stream", .string, "Which output (default stdout).", allowed: ["stdout", "stderr"]),
                          .init("tail", .integer, "Start at the last N lines (0-\(maxTailLines)).",
                                constraints: .object([("minimum", .int(0)), ("maximum", .int(maxTailLines))])),
                          .init("offset", .integer, "Start at this byte offset of the stream (default: the oldest byte kept).",
                                constraints: .object([("minimum", .int(0))])),
                          .init("since", .string, "Start at output written since this time: an RFC 3339 timestamp, or a duration back from now (90s, 10m, 2h, 1d); to the second."),
                          .init("follow", .boolean, "Keep sending output as the task writes it, until it ends."),
                      ],
                      responses: [(200, "The output (X-Wharf-Log-Start: offset of its first byte; X-Wharf-Log-Size: bytes written so far; "
                                        + "X-Wharf-Task-Ended: whether the task had ended, all its output written, when the answer began)"),
                                  (204, "Event stream resumed after its end"), (400, "Invalid parameter"),
                                  (404, "Unknown task"), (503, "The task's agent cannot be reached")],
                      handler: logs),
        MarathonRoute(.get, "/files/read", tag: "files", summary: "Mesos-compatible read of a task's stdout or stderr.",
                      parameters: [
                          .init("path", .string, "…/<taskId>/stdout or …/<taskId>/stderr (a sandbox path)."),
                          .init("offset", .integer, "Byte offset; -1 (the default) answers the size only."),
                          .init("length", .integer, "Bytes wanted, at most 65536; -1 (the default) for as many."),
                      ],
                      responses: [(200, "{\"data\": string, \"offset\": number}"), (400, "Invalid parameter"), (404, "No such file")],
                      handler: filesRead),
    ]

    /// What a log request asks for.
    struct LogQuery: Equatable {
        var stream: TaskLogStream = .stdout
        var position: TaskLogRequest.Position = .offset(0)
        var follow = false
        var eventStream = false
        /// Whether the position came from `Last-Event-ID` (a resumed event stream).
        var resumed = false
    }

    /// Reads the query and headers; 400 naming the parameter when one is invalid.
    static func parse(_ query: QueryParameters, accept: String?, lastEventId: String?) throws -> LogQuery {
        var result = LogQuery()
        if let raw = query["stream"] {
            guard let stream = TaskLogStream(rawValue: raw) else {
                throw MarathonHTTPError.badRequest("Invalid parameter 'stream': expected stdout or stderr, got '\(raw)'")
            }
            result.stream = stream
        }
        let tail = try query["tail"].map { raw -> Int in
            guard let lines = Int(raw), (0...maxTailLines).contains(lines) else {
                throw MarathonHTTPError.badRequest("Invalid parameter 'tail': expected a number of lines from 0 to \(maxTailLines), got '\(raw)'")
            }
            return lines
        }
        let offset = try query["offset"].map { raw -> Int64 in
            guard let offset = Int64(raw), offset >= 0 else {
                throw MarathonHTTPError.badRequest("Invalid parameter 'offset': expected a byte offset of 0 or more, got '\(raw)'")
            }
            return offset
        }
        let since = try query["since"].map { raw -> Int64 in
            guard let millis = sinceMillis(raw, now: Timestamp.now()) else {
                throw MarathonHTTPError.badRequest(
                    "Invalid parameter 'since': expected an RFC 3339 time or a duration such as 90s, 10m, 2h or 1d, got '\(raw)'")
            }
            return millis
        }
        if [tail != nil, offset != nil, since != nil].filter({ $0 }).count > 1 {
            throw MarathonHTTPError.badRequest("Invalid parameters: give one of 'tail', 'offset' and 'since', not several")
        }
        if let tail { result.position = .tailLines(tail) }
        if let offset { result.position = .offset(offset) }
        if let since { result.position = .since(millis: since) }
        result.follow = query.bool("follow", default: false)
        result.eventStream = accept?.lowercased().contains("text/event-stream") ?? false
        if result.eventStream, let raw = lastEventId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard let resumeAt = Int64(raw), resumeAt >= 0 else {
                throw MarathonHTTPError.badRequest("Invalid header 'Last-Event-ID': expected a byte offset, got '\(raw)'")
            }
            result.position = .offset(resumeAt)
            result.resumed = true
        }
        return result
    }

    /// `since=`: an RFC 3339 time, or a whole number of seconds, minutes, hours or days back from `now`.
    static func sinceMillis(_ raw: String, now: Timestamp) -> Int64? {
        if let time = Timestamp(iso8601: raw) { return time.millis }
        let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        guard let unit = raw.last.flatMap({ units[$0] }), let count = Int64(raw.dropLast()), count >= 0,
              count <= 36_500 * 86_400_000 / unit else { return nil }
        return now.millis - count * unit
    }

    /// `GET /v2/tasks/{taskId}/logs`.
    static func logs(_ call: MarathonCall) async throws -> Response {
        let taskId = call.parameter("taskId")
        guard TaskLogRequest.isSafeTaskId(taskId), Instance.appId(fromInstanceOrTaskId: taskId) != nil else {
            throw MarathonHTTPError.notFound("Task '\(taskId)' does not exist")
        }
        let query = try parse(call.query, accept: call.request.headers[.accept],
                              lastEventId: call.request.headers[lastEventIdHeader])
        let request = TaskLogRequest(taskId: taskId, stream: query.stream, position: query.position)
        let (reply, agentId) = await call.controlPlane.readTaskLog(request)
        let first = try chunk(of: reply)
        guard let agentId else { throw MarathonHTTPError.notFound("Task '\(taskId)' does not exist") }
        if query.eventStream, query.resumed, first.ended, first.data.isEmpty, first.start >= first.size {
            // An EventSource reconnecting after the end: 204 tells it to stop.
            return Response(status: .noContent)
        }
        let follower = LogFollower(link: call.controlPlane.link, agentId: agentId, taskId: taskId, stream: query.stream,
                                   follow: query.follow, eventStream: query.eventStream, requested: query.position)
        let body = ResponseBody { writer in
            let reads = StoppableReads()
            try await withTaskCancellationHandler {
                try await withGracefulShutdownHandler {
                    try await follower.run(from: first, reads: reads) { try await writer.write($0) }
                } onGracefulShutdown: {
                    reads.stop()
                }
            } onCancel: {
                reads.stop()
            }
            try await writer.finish(nil)
        }
        var headers: HTTPFields = [
            .cacheControl: "no-cache", startHeader: String(first.start), sizeHeader: String(first.size),
            endedHeader: String(first.ended),
            .init("X-Content-Type-Options")!: "nosniff",
        ]
        headers[.contentType] = query.eventStream ? "text/event-stream" : "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The chunk of a reply; the API's error for the others.
    static func chunk(of reply: TaskLogReply) throws -> TaskLogChunk {
        switch reply {
        case .chunk(let chunk): return chunk
        case .notFound(let message): throw MarathonHTTPError.notFound(message)
        case .failed(let message): throw MarathonHTTPError(status: 503, message: message)
        }
    }

    // MARK: - /files/read

    private struct FilesReadAnswer: Encodable {
        var data: String
        var offset: Int64
    }

    /// `GET /files/read?path=&offset=&length=` as a Mesos agent answers it: offset -1 gives the
    /// size, a read gives at most 64 KiB from the offset, bytes as a JSON string.
    static func filesRead(_ call: MarathonCall) async throws -> Response {
        guard let path = call.query["path"], !path.isEmpty else {
            throw MarathonHTTPError.badRequest("Expecting 'path=value' in query.")
        }
        let offset = try integer(call.query["offset"], name: "offset", negative: "Negative offset provided")
        let length = try integer(call.query["length"], name: "length", negative: "Negative length provided")
        let parts = path.split(separator: "/")
        guard parts.count >= 2, let stream = TaskLogStream(rawValue: String(parts[parts.count - 1])) else {
            throw MarathonHTTPError.notFound("No file found at path '\(path)'")
        }
        let taskId = String(parts[parts.count - 2])
        guard TaskLogRequest.isSafeTaskId(taskId), Instance.appId(fromInstanceOrTaskId: taskId) != nil else {
            throw MarathonHTTPError.notFound("No file found at path '\(path)'")
        }
        let request = offset == -1
            ? TaskLogRequest(taskId: taskId, stream: stream, position: .end, limit: 0)
            : TaskLogRequest(taskId: taskId, stream: stream, position: .offset(offset),
                             limit: length == -1 ? TaskLogRequest.maxLimit : Int(min(length, Int64(TaskLogRequest.maxLimit))))
        let (reply, _) = await call.controlPlane.readTaskLog(request)
        let chunk = try chunk(of: reply)
        let answer = offset == -1
            ? FilesReadAnswer(data: "", offset: chunk.size)
            : FilesReadAnswer(data: String(decoding: chunk.data, as: UTF8.self),
                              offset: chunk.data.isEmpty && offset > chunk.size ? offset : chunk.start)
        return MarathonResponse.json(Array(try JSONEncoder().encode(answer)))
    }

    /// A `/files/read` number: -1 when absent, 400 when not a number or below -1.
    private static func integer(_ raw: String?, name: String, negative: String) throws -> Int64 {
        guard let raw else { return -1 }
        guard let value = Int64(raw) else {
            throw MarathonHTTPError.badRequest("Failed to parse '\(name)': '\(raw)' is not a number")
        }
        guard value >= -1 else { throw MarathonHTTPError.badRequest(negative) }
        return value
    }
}

/// Copies one stream of a task from its agent to a client, chunk by chunk: a read is asked only
/// once the previous chunk is written, so a slow client slows the reads and nothing piles up.
struct LogFollower: Sendable {
    let link: any AgentLink
    let agentId: String
    let taskId: String
    let stream: TaskLogStream
    let follow: Bool
    let eventStream: Bool
    let requested: TaskLogRequest.Position

    /// Writes `first` and what follows it: up to the size `first` saw (a read), or until the task's
    /// end (a follow).
    func run(from first: TaskLogChunk, reads: StoppableReads, write: (ByteBuffer) async throws -> Void) async throws {
        var chunk = first
        let until = follow ? Int64.max : first.size
        if eventStream, case .offset(let wanted) = requested, first.start > wanted {
            try await write(ByteBuffer(string: "event: skipped\ndata: {\"from\":\(wanted),\"to\":\(first.start)}\n\n"))
        }
        while true {
            var next = chunk.next
            if !chunk.data.isEmpty {
                if eventStream {
                    let count = Self.eventBytes(chunk, final: chunk.ended && chunk.next >= chunk.size)
                    next = chunk.start + Int64(count)
                    try await write(Self.dataEvent(chunk.data.prefix(count), id: next))
                } else {
                    try await write(ByteBuffer(bytes: chunk.data))
                }
            }
            if next >= until { return }
            if chunk.ended && next >= chunk.size {
                if eventStream { try await write(Self.endEvent(id: next, reason: "the task ended")) }
                return
            }
            if !follow && chunk.data.isEmpty { return }
            let request = TaskLogRequest(taskId: taskId, stream: stream, position: .offset(next),
                                         waitSeconds: follow ? TaskLogRoutes.keepaliveSeconds : 0)
            let link = self.link, agentId = self.agentId
            guard let reply = await reads.run({ await link.readTaskLog(request, on: agentId) }) else { return }
            switch reply {
            case .chunk(let more):
                chunk = more
                if more.data.isEmpty && !more.ended && eventStream { try await write(ByteBuffer(string: ": keepalive\n\n")) }
            case .notFound(let message), .failed(let message):
                if eventStream { try await write(Self.endEvent(id: next, reason: message)) }
                return
            }
        }
    }

    /// How many bytes of `chunk` one event carries: up to its last newline, so that no character
    /// is split between events (an EventSource decodes each as UTF-8); all of it when it is the
    /// last or has no newline (then cut at a character boundary).
    static func eventBytes(_ chunk: TaskLogChunk, final: Bool) -> Int {
        let data = chunk.data
        let count = data.count
        if final || count == 0 { return count }
        if let newline = data.lastIndex(of: UInt8(ascii: "\n")) { return data.distance(from: data.startIndex, to: newline) + 1 }
        func byte(_ index: Int) -> UInt8 { data[data.startIndex + index] }
        // The start of the last character: back over at most three continuation bytes (10xxxxxx).
        var start = count - 1
        while start > 0, count - 1 - start < 3, byte(start) & 0xC0 == 0x80 { start -= 1 }
        let lead = byte(start)
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        // An incomplete last character waits for the next event (unless it is all there is).
        return start > 0 && count - start < length ? start : count
    }

    /// `id: N` and one `data:` line per line of `bytes` (CR, LF and CRLF all end lines, as an
    /// EventSource reads them).
    static func dataEvent(_ bytes: Data, id: Int64) -> ByteBuffer {
        var out = ByteBuffer(string: "id: \(id)\n")
        out.reserveCapacity(minimumWritableBytes: bytes.count + bytes.count / 40 * 7 + 16)
        var line = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                out.writeString("data: ")
                out.writeBytes(bytes[line..<index])
                out.writeString("\n")
                if byte == UInt8(ascii: "\r"), index + 1 < bytes.endIndex, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
                line = index + 1
            }
            index += 1
        }
        out.writeString("data: ")
        out.writeBytes(bytes[line..<bytes.endIndex])
        out.writeString("\n\n")
        return out
    }

    /// The last event of a stream: why it ends, and the offset to resume from.
    static func endEvent(id: Int64, reason: String) -> ByteBuffer {
        let reasonJSON = (try? JSONEncoder().encode(reason)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return ByteBuffer(string: "event: end\nid: \(id)\ndata: {\"offset\":\(id),\"reason\":\(reasonJSON)}\n\n")
    }
}

/// The reads of one follow, ended together when the server shuts down or the request is cancelled:
/// a read under way is cancelled (its long wait on the agent ends at once) and no other starts.
final class StoppableReads: Sendable {
    private let state = LockedValue<(stopped: Bool, current: Task<TaskLogReply, Never>?)>((false, nil))

    /// The reply of `read`, or nil once stopped.
    func run(_ read: @escaping @Sendable () async -> TaskLogReply) async -> TaskLogReply? {
        let task = Task { await read() }
        let stopped = state.withLock { state -> Bool in
            if !state.stopped { state.current = task }
            return state.stopped
        }
        if stopped { task.cancel() }
        let reply = await task.value
        return state.withLock { state -> Bool in
            state.current = nil
            return state.stopped
        } ? nil : reply
    }

    func stop() {
        let current = state.withLock { state -> Task<TaskLogReply, Never>? in
            state.stopped = true
            return state.current
        }
        current?.cancel()
    }
}

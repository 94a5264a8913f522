import Foundation

/// One output stream of a task.
public enum TaskLogStream: String, Codable, Hashable, Sendable, CaseIterable {
    case stdout, stderr
}

/// A read of one stream of a task's output, as the log API asks an agent for it: where to start,
/// how much at most, and how long to wait for output that is not there yet.
///
/// Offsets are logical: bytes the stream produced since the task started, continuous across the
/// rotation of its files (see the agent's `LogFiles`).
public struct TaskLogRequest: Codable, Hashable, Sendable {
    /// Where the read starts.
    public enum Position: Hashable, Sendable {
        /// At this logical offset (clamped to what is kept).
        case offset(Int64)
        /// At the start of the stream's last `n` lines (`tail=N`).
        case tailLines(Int)
        /// At the end: only output written from now on (and the stream's size).
        case end
        /// At the output written since this time (milliseconds since the epoch; the agent knows
        /// write times to the second, so up to a second more may come).
        case since(millis: Int64)
    }

    /// Largest `limit` an agent honours: 64 KiB, Mesos' `/files/read` cap.
    public static let maxLimit = 65_536

    public var taskId: String
    public var stream: TaskLogStream
    public var position: Position
    /// Bytes wanted at most (1…``maxLimit``; 0 asks only for the stream's bounds).
    public var limit: Int
    /// When nothing is there beyond the position yet and the task still runs: how long the agent may
    /// wait for output (or for the task's end) before answering with no data. 0: answer at once.
    public var waitSeconds: Double

    public init(taskId: String, stream: TaskLogStream, position: Position, limit: Int = TaskLogRequest.maxLimit,
                waitSeconds: Double = 0) {
        self.taskId = taskId
        self.stream = stream
        self.position = position
        self.limit = min(max(0, limit), Self.maxLimit)
        self.waitSeconds = max(0, min(waitSeconds, 60))
    }

    private enum CodingKeys: String, CodingKey { case taskId, stream, offset, tailLines, sinceMillis, limit, waitSeconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let position: Position
        if let lines = try c.decodeIfPresent(Int.self, forKey: .tailLines) {
            position = .tailLines(lines)
        } else if let offset = try c.decodeIfPresent(Int64.self, forKey: .offset) {
            position = .offset(offset)
        } else if let millis = try c.decodeIfPresent(Int64.self, forKey: .sinceMillis) {
            position = .since(millis: millis)
        } else {
            position = .end
        }
        self.init(taskId: try c.decode(String.self, forKey: .taskId), stream: try c.decode(TaskLogStream.self, forKey: .stream),
                  position: position, limit: try c.decode(Int.self, forKey: .limit),
                  waitSeconds: try c.decode(Double.self, forKey: .waitSeconds))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(taskId, forKey: .taskId)
        try c.encode(stream, forKey: .stream)
        switch position {
        case .offset(let offset): try c.encode(offset, forKey: .offset)
        case .tailLines(let lines): try c.encode(lines, forKey: .tailLines)
        case .since(let millis): try c.encode(millis, forKey: .sinceMillis)
        case .end: break
        }
        try c.encode(limit, forKey: .limit)
        try c.encode(waitSeconds, forKey: .waitSeconds)
    }
}

/// Bytes of a task's output stream and where they stand in it.
public struct TaskLogChunk: Codable, Hashable, Sendable {
    /// Logical offset of `data`'s first byte: above the requested offset when the bytes asked for
    /// were rotated away.
    public var start: Int64
    public var data: Data
    /// Offset of the oldest byte still kept.
    public var oldest: Int64
    /// Bytes the stream has produced so far (the offset the next byte will have).
    public var size: Int64
    /// The task has ended and all its output is written: nothing beyond `size` will ever come.
    public var ended: Bool

    /// The offset after `data`, where the next read continues.
    public var next: Int64 { start + Int64(data.count) }

    public init(start: Int64, data: Data, oldest: Int64, size: Int64, ended: Bool) {
        self.start = start
        self.data = data
        self.oldest = oldest
        self.size = size
        self.ended = ended
    }
}

/// An agent's answer to a ``TaskLogRequest``.
public enum TaskLogReply: Hashable, Sendable {
    case chunk(TaskLogChunk)
    /// The agent holds no output of that task (never ran there, or its sandbox was removed).
    case notFound(String)
    /// The output could not be read (the agent is away, a file cannot be read): the message says why.
    case failed(String)
}

extension TaskLogReply: Codable {
    private enum CodingKeys: String, CodingKey { case chunk, notFound, failed }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let chunk = try c.decodeIfPresent(TaskLogChunk.self, forKey: .chunk) {
            self = .chunk(chunk)
        } else if let message = try c.decodeIfPresent(String.self, forKey: .notFound) {
            self = .notFound(message)
        } else {
            self = .failed(try c.decode(String.self, forKey: .failed))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .chunk(let chunk): try c.encode(chunk, forKey: .chunk)
        case .notFound(let message): try c.encode(message, forKey: .notFound)
        case .failed(let message): try c.encode(message, forKey: .failed)
        }
    }
}

extension TaskLogRequest {
    /// Whether `taskId` can name a sandbox directory: a task id as Wharf makes them (letters, digits,
    /// `.`, `_`, `-`; not starting with a dot), so that no request reaches outside the sandboxes.
    public static func isSafeTaskId(_ taskId: String) -> Bool {
        guard (1...255).contains(taskId.utf8.count), taskId.first != "." else { return false }
        return taskId.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }
}

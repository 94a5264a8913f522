import Glibc
import WharfModel

/// Where one output stream of one task goes: its rotated files (``LogWriter``) and, when configured,
/// syslog, one message per line.
///
/// Used by one pump at a time (a pipe's channel, or a container's log copier), never concurrently:
/// that is why it may be `@unchecked Sendable`.
final class LogSink: @unchecked Sendable {
    /// A line longer than this goes to syslog in pieces of this size.
    static let maxLineBytes = 64 * 1024

    let taskId: String
    let stream: TaskLogStream
    let sandbox: String
    /// Nil while the files cannot be opened (tried again at the next write).
    private var writer: LogWriter?
    private let times: LogTimeMarker
    private unowned let logs: TaskLogs
    private let appId: PathId?
    /// Whether the last write failed (a full disk): reported once, until a write works again.
    private var failing = false
    /// The start of a line not yet ended by a newline, kept for syslog.
    private var partialLine: [UInt8] = []

    /// Opens the stream's files (continuing what is there); when they cannot be opened, the first
    /// write says so and every write tries again.
    init(logs: TaskLogs, taskId: String, sandbox: String, stream: TaskLogStream) {
        self.logs = logs
        self.sandbox = sandbox
        self.writer = try? LogWriter(directory: sandbox, name: stream.rawValue, rotation: logs.rotation)
        self.times = LogTimeMarker(directory: sandbox, name: stream.rawValue)
        self.taskId = taskId
        self.stream = stream
        self.appId = Instance.appId(fromInstanceOrTaskId: taskId)
    }

    /// Writes `bytes` (any bytes: partial lines and binary output are kept as they are). A write
    /// that fails drops these bytes; the task is never held up for its output.
    func write(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        do throws(FileIOError) {
            let writer: LogWriter
            if let open = self.writer {
                writer = open
            } else {
                writer = try LogWriter(directory: sandbox, name: stream.rawValue, rotation: logs.rotation)
                self.writer = writer
            }
            let (directory, name) = (sandbox, stream.rawValue)
            times.wrote(at: writer.end) { LogFiles.layout(directory: directory, name: name).start }
            try writer.append(bytes)
            if failing {
                failing = false
                logs.logger.notice("writing task output works again", metadata: ["task": "\(taskId)", "stream": "\(stream.rawValue)"])
                logs.problem(taskId: taskId, stream: stream, message: nil)
            }
            logs.wrote(taskId: taskId, stream: stream, end: writer.end, bytes: bytes.count)
        } catch {
            let first = !failing
            failing = true
            logs.dropped(bytes: bytes.count, firstFailure: first)
            if first {
                logs.problem(taskId: taskId, stream: stream, message: "\(error); output is dropped until writing works again")
                logs.logger.error("cannot write task output; it is dropped until writing works again (the task keeps running)", metadata: [
                    "task": "\(taskId)", "stream": "\(stream.rawValue)", "error": "\(error)",
                ])
            }
        }
        if let shipper = logs.shipper { ship(bytes, to: shipper) }
    }

    /// The offset the next byte will have (0 while the files cannot be opened).
    var end: Int64 { writer?.end ?? 0 }

    /// The stream ended: a last line without a newline goes to syslog too.
    func close() {
        if let shipper = logs.shipper, !partialLine.isEmpty {
            shipper.ship(appId: appId, taskId: taskId, stream: stream, line: partialLine)
            partialLine = []
        }
    }

    /// Sends every line `bytes` completes (without its newline, or a CR before it).
    private func ship(_ bytes: UnsafeRawBufferPointer, to shipper: SyslogShipper) {
        var lineStart = 0
        for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "\n") {
            partialLine.append(contentsOf: bytes[lineStart..<index])
            if partialLine.last == UInt8(ascii: "\r") { partialLine.removeLast() }
            shipper.ship(appId: appId, taskId: taskId, stream: stream, line: partialLine)
            partialLine.removeAll(keepingCapacity: true)
            lineStart = index + 1
        }
        partialLine.append(contentsOf: bytes[lineStart..<bytes.count])
        while partialLine.count >= Self.maxLineBytes {
            shipper.ship(appId: appId, taskId: taskId, stream: stream, line: Array(partialLine.prefix(Self.maxLineBytes)))
            partialLine.removeFirst(Self.maxLineBytes)
        }
    }
}

import Glibc
import NIOCore
import WharfModel

/// Splits the Engine's multiplexed output stream (logs, attached exec) into its frames: an 8-byte
/// header (stream byte: 0 stdin, 1 stdout, 2 stderr; three zero bytes; big-endian payload length)
/// followed by the payload. Containers with a TTY send raw bytes instead (see ``raw``).
struct DockerStreamDemultiplexer: Sendable {
    /// Which stream a piece of output belongs to.
    enum Stream: Sendable { case stdout, stderr }

    /// Whether the stream is raw (TTY): every byte is stdout.
    let raw: Bool
    private var pending = ByteBuffer()

    init(raw: Bool) {
        self.raw = raw
    }

    /// The complete frames `chunk` finishes; an incomplete frame is kept for the next call.
    mutating func feed(_ chunk: ByteBuffer) -> [(Stream, ByteBuffer)] {
        if raw { return chunk.readableBytes > 0 ? [(.stdout, chunk)] : [] }
        var chunk = chunk
        pending.writeBuffer(&chunk)
        var frames: [(Stream, ByteBuffer)] = []
        while pending.readableBytes >= 8 {
            let start = pending.readerIndex
            guard let kind = pending.getInteger(at: start, as: UInt8.self),
                  let length = pending.getInteger(at: start + 4, endianness: .big, as: UInt32.self),
                  pending.readableBytes >= 8 + Int(length)
            else { break }
            pending.moveReaderIndex(forwardBy: 8)
            if let payload = pending.readSlice(length: Int(length)) {
                frames.append((kind == 2 ? .stderr : .stdout, payload))
            }
        }
        pending.discardReadBytes()
        return frames
    }
}

/// A container task's two output streams, written through ``TaskLogs`` into its sandbox's rotated
/// `stdout` and `stderr` files, as process tasks have them. Writes are blocking file writes; callers
/// run them on ``BlockingIO``, one at a time.
final class ContainerOutput: Sendable {
    private let stdout: LogSink
    private let stderr: LogSink

    /// Opens the task's files (blocking).
    init(logs: TaskLogs, taskId: String, sandbox: String) {
        stdout = logs.sink(taskId: taskId, sandbox: sandbox, stream: .stdout)
        stderr = logs.sink(taskId: taskId, sandbox: sandbox, stream: .stderr)
    }

    /// Writes `frames` to their streams. A write that fails drops that frame (the disk is full):
    /// the task's output is not worth stopping its supervision for.
    func write(_ frames: [(DockerStreamDemultiplexer.Stream, ByteBuffer)]) {
        for (stream, payload) in frames {
            let sink = stream == .stderr ? stderr : stdout
            payload.withUnsafeReadableBytes { sink.write($0) }
        }
    }

    /// The output ended: last lines without a newline go to syslog.
    func close() {
        stdout.close()
        stderr.close()
    }

    /// When the task's output was last written (seconds since the epoch), to resume the engine's
    /// log stream from there after an agent restart; nil when nothing was written.
    static func lastWritten(sandbox: String) -> Double? {
        TaskLogStream.allCases.compactMap { stream -> Double? in
            guard let info = LogFiles.status(LogFiles.path(sandbox, stream.rawValue, generation: 0)) else { return nil }
            return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        }.max()
    }
}

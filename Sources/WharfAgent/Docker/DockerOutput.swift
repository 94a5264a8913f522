import Glibc
import NIOCore

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

/// A task's `stdout` and `stderr` files in its sandbox, opened for appending, as process tasks
/// have them. Writes are blocking file writes; callers run them on ``BlockingIO``.
final class SandboxLogFiles: Sendable {
    private let stdout: Int32
    private let stderr: Int32

    /// Opens (creating them when missing) `<sandbox>/stdout` and `<sandbox>/stderr`.
    init(sandbox: String) throws(RuntimeError) {
        let out = open(sandbox + "/stdout", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw .sandboxFailed(path: sandbox + "/stdout", errno: errno) }
        let err = open(sandbox + "/stderr", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard err >= 0 else {
            let code = errno
            close(out)
            throw .sandboxFailed(path: sandbox + "/stderr", errno: code)
        }
        stdout = out
        stderr = err
    }

    deinit {
        close(stdout)
        close(stderr)
    }

    /// Appends `frames` to their files. A failing write drops that frame (the disk is full): the
    /// task's output is not worth stopping its supervision for.
    func write(_ frames: [(DockerStreamDemultiplexer.Stream, ByteBuffer)]) {
        for (stream, payload) in frames {
            let fd = stream == .stderr ? stderr : stdout
            payload.withUnsafeReadableBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += n
                }
            }
        }
    }
}

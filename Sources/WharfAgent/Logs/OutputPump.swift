import Glibc
import NIOCore
import NIOPosix
import WharfModel

/// The named pipes a process task writes its stdout and stderr into: `.stdout.fifo` and
/// `.stderr.fifo` in its sandbox.
///
/// The task opens its FIFO read-write, so it always holds a reader of its own: while no agent reads
/// (between a `kill -9` of the agent and its restart) its writes never fail with SIGPIPE/EPIPE, they
/// only block once the pipe's buffer (raised to 1 MiB) is full, and the restarted agent opens the
/// same FIFO again and drains it. The agent's end sees end-of-file when the task and every process
/// it started have closed theirs.
enum OutputFifo {
    /// Linux's `F_SETPIPE_SZ` (not exported to Swift).
    static let setPipeSize: Int32 = 1031
    /// Pipe buffer asked for: 1 MiB, the default `/proc/sys/fs/pipe-max-size`.
    static let pipeBytes: Int32 = 1 << 20

    static func path(sandbox: String, stream: TaskLogStream) -> String {
        "\(sandbox)/.\(stream.rawValue).fifo"
    }

    /// Creates the FIFO of `stream` (replacing whatever is under its name) and opens its read end.
    static func create(sandbox: String, stream: TaskLogStream) throws(RuntimeError) -> Int32 {
        let path = path(sandbox: sandbox, stream: stream)
        unlink(path)
        guard mkfifo(path, 0o600) == 0 else { throw .sandboxFailed(path: path, errno: errno) }
        guard let fd = open(path) else { throw .sandboxFailed(path: path, errno: errno) }
        return fd
    }

    /// The read end of an existing FIFO of `stream` (a task adopted after an agent restart); nil
    /// when there is none (a task that writes its files directly, started by an older agent).
    static func reopen(sandbox: String, stream: TaskLogStream) -> Int32? {
        let path = path(sandbox: sandbox, stream: stream)
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO else { return nil }
        return open(path)
    }

    /// Opens for reading without waiting for a writer; asks for a bigger buffer (a failure to get it
    /// only means the default 64 KiB).
    private static func open(_ path: String) -> Int32? {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, setPipeSize, pipeBytes)
        return fd
    }
}

/// Copies one pipe into a ``LogSink`` on the log pumps' event loop, as fast as the disk takes it,
/// until the pipe's end-of-file (or ``close()``, which leaves the writer's side open).
final class OutputPump: Sendable {
    private let channel: any Channel
    /// Completes when the pipe ended or was closed, after everything read was written.
    let done: EventLoopFuture<Void>

    private init(channel: any Channel, done: EventLoopFuture<Void>) {
        self.channel = channel
        self.done = done
    }

    /// Takes ownership of `fd` (closed when the pump ends) and starts copying.
    static func start(fd: Int32, into sink: LogSink, group: MultiThreadedEventLoopGroup) async throws -> OutputPump {
        let loop = group.next()
        let promise = loop.makePromise(of: Void.self)
        do {
            let channel = try await NIOPipeBootstrap(group: loop)
                .channelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 65536, maximum: 1 << 20))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(PumpHandler(sink: sink, done: promise))
                    }
                }
                .takingOwnershipOfDescriptor(input: fd)
                .get()
            return OutputPump(channel: channel, done: promise.futureResult)
        } catch {
            promise.succeed(())
            throw error
        }
    }

    /// Stops reading (the agent is stopping; the task keeps its FIFO and the next agent reads on).
    func close() {
        channel.close(promise: nil)
    }
}

private final class PumpHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let sink: LogSink
    let done: EventLoopPromise<Void>

    init(sink: LogSink, done: EventLoopPromise<Void>) {
        self.sink = sink
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { sink.write($0) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.close()
        done.succeed(())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

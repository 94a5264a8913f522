import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import WharfModel

/// The output of an agent's tasks: written into rotated files in each sandbox (``LogSink``), shipped
/// to syslog when configured, and read back for the log API, where a read may wait for output that
/// is not there yet (a follow) without any timer.
///
/// A task is *live* from its start until all its output is written (its pumps saw the end of the
/// pipes, or its container's log stream ended); a read of a task that is not live is complete.
public final class TaskLogs: Sendable {
    /// What happened to task output since the agent started, for metrics.
    public struct Statistics: Hashable, Sendable {
        /// Bytes written to log files.
        public var bytesWritten: Int64 = 0
        /// Bytes lost because a log file could not be written (a full disk).
        public var bytesDropped: Int64 = 0
        /// Times writing a task's output started failing (each failure is reported once, until a
        /// write succeeds again).
        public var writeFailures: Int64 = 0
    }

    public let rotation: LogRotation
    /// Ships every line to syslog; nil when not configured.
    let shipper: SyslogShipper?
    /// Where the pumps of process tasks' pipes run: a thread of their own (shared by every agent of
    /// the process), since they write files and must not hold up network event loops.
    static let pumpGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var pumpGroup: MultiThreadedEventLoopGroup { Self.pumpGroup }
    let logger: Logger
    private let state = NIOLockedValueBox(State())
    /// Each time writing a task's output starts failing, or works again (for the agent's reports).
    public let problems: AsyncStream<TaskOutputProblem>
    private let problemContinuation: AsyncStream<TaskOutputProblem>.Continuation

    private struct Waiter {
        var stream: TaskLogStream
        var beyond: Int64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct Live {
        var ends: [TaskLogStream: Int64] = [:]
        var waiters: [UInt64: Waiter] = [:]
    }

    private struct State {
        var live: [String: Live] = [:]
        var nextWaiter: UInt64 = 0
        /// Waits begun and not yet over.
        var pending: Set<UInt64> = []
        /// Pending waits cancelled (or timed out) before they were registered.
        var cancelled: Set<UInt64> = []
        var statistics = Statistics()
    }

    public init(rotation: LogRotation = .standard, shipper: SyslogShipper? = nil, logger: Logger) {
        self.rotation = rotation
        self.shipper = shipper
        self.logger = logger
        (problems, problemContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1024))
    }

    /// Writing `stream` of `taskId` failed (with `message`) or works again (nil).
    func problem(taskId: String, stream: TaskLogStream, message: String?) {
        problemContinuation.yield(TaskOutputProblem(taskId: taskId, stream: stream, message: message))
    }

    /// Sends what syslog still has queued (the pumps were closed by the runtimes' `detach`).
    public func shutdown() async {
        await shipper?.shutdown()
    }

    public var statistics: Statistics { state.withLockedValue { $0.statistics } }

    // MARK: - Writing

    /// Marks `taskId` live: reads wait for its output instead of ending.
    func begin(taskId: String) {
        state.withLockedValue { state in
            if state.live[taskId] == nil { state.live[taskId] = Live() }
        }
    }

    /// Opens the files of one stream of a live task for writing (continuing what is there).
    /// Blocking: file system calls.
    func sink(taskId: String, sandbox: String, stream: TaskLogStream) -> LogSink {
        let sink = LogSink(logs: self, taskId: taskId, sandbox: sandbox, stream: stream)
        wrote(taskId: taskId, stream: stream, end: sink.end, bytes: 0)
        return sink
    }

    /// A sink wrote up to `end`: readers waiting for output beyond what they had go on.
    func wrote(taskId: String, stream: TaskLogStream, end: Int64, bytes: Int) {
        let woken = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.statistics.bytesWritten += Int64(bytes)
            guard var live = state.live[taskId] else { return [] }
            live.ends[stream] = end
            var woken: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in live.waiters where waiter.stream == stream && waiter.beyond < end {
                woken.append(waiter.continuation)
                live.waiters[id] = nil
            }
            state.live[taskId] = live
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// Counts output lost to a failing write; true when this is the first failure since writing
    /// last worked (the caller reports it).
    func dropped(bytes: Int, firstFailure: Bool) {
        state.withLockedValue { state in
            state.statistics.bytesDropped += Int64(bytes)
            if firstFailure { state.statistics.writeFailures += 1 }
        }
    }

    /// All of `taskId`'s output is written: it is no longer live, and every reader waiting for more
    /// goes on (to find the end).
    func finish(taskId: String) {
        let woken = state.withLockedValue { state in
            state.live.removeValue(forKey: taskId)?.waiters.values.map(\.continuation) ?? []
        }
        for continuation in woken { continuation.resume() }
    }

    /// Reads waiting for output now.
    var waitingReads: Int {
        state.withLockedValue { state in state.live.values.reduce(0) { $0 + $1.waiters.count } }
    }

    /// Whether `taskId` may still produce output.
    func isLive(_ taskId: String) -> Bool {
        state.withLockedValue { $0.live[taskId] != nil }
    }

    // MARK: - Reading

    /// Answers `request` from the files of `sandbox`: `notFound` when the sandbox does not exist.
    /// An empty answer for a live task waits up to `request.waitSeconds` for output or the task's end.
    func read(_ request: TaskLogRequest, sandbox: String) async -> TaskLogReply {
        var info = stat()
        guard stat(sandbox, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            return .notFound("no output of task \(request.taskId) on this agent (its sandbox is gone or it never ran here)")
        }
        var chunk = await readNow(request, sandbox: sandbox)
        if chunk.data.isEmpty, !chunk.ended, request.limit > 0, request.waitSeconds > 0 {
            await waitForOutput(taskId: request.taskId, stream: request.stream, beyond: chunk.start,
                                timeout: .milliseconds(Int64(request.waitSeconds * 1000)))
            var again = request
            again.position = .offset(chunk.start)
            chunk = await readNow(again, sandbox: sandbox)
        }
        return .chunk(chunk)
    }

    /// One read without waiting. `ended` is taken before the files are read: a task that was not
    /// live then had all its output in them.
    private func readNow(_ request: TaskLogRequest, sandbox: String) async -> TaskLogChunk {
        let ended = !isLive(request.taskId)
        let name = request.stream.rawValue
        let limit = request.limit
        return await BlockingIO.run {
            let from: Int64
            switch request.position {
            case .offset(let offset): from = offset
            case .tailLines(let lines): from = LogFiles.tailStart(directory: sandbox, name: name, lines: lines)
            case .end: from = LogFiles.layout(directory: sandbox, name: name).end
            case .since(let millis):
                from = LogTimes.offset(since: millis, marks: LogTimes.marks(directory: sandbox, name: name),
                                       end: LogFiles.layout(directory: sandbox, name: name).end)
            }
            let read = LogFiles.read(directory: sandbox, name: name, from: from, limit: limit)
            return TaskLogChunk(start: read.start, data: Data(read.bytes), oldest: read.kept.lowerBound,
                                size: max(read.kept.upperBound, read.next), ended: ended)
        }
    }

    /// Returns once `stream` of `taskId` has output beyond `beyond`, the task is no longer live,
    /// `timeout` passed or the caller is cancelled.
    func waitForOutput(taskId: String, stream: TaskLogStream, beyond: Int64, timeout: Duration) async {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextWaiter += 1
            state.pending.insert(state.nextWaiter)
            return state.nextWaiter
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.cancelWait(id, taskId: taskId)
        }
        defer {
            timer.cancel()
            state.withLockedValue { state in
                state.pending.remove(id)
                state.cancelled.remove(id)
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.cancelled.remove(id) != nil { return true }
                    guard var live = state.live[taskId] else { return true }
                    if let end = live.ends[stream], end > beyond { return true }
                    live.waiters[id] = Waiter(stream: stream, beyond: beyond, continuation: continuation)
                    state.live[taskId] = live
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            cancelWait(id, taskId: taskId)
        }
    }

    /// Ends wait `id`: resumes it when registered, or makes its registration return at once.
    private func cancelWait(_ id: UInt64, taskId: String) {
        let continuation = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.live[taskId]?.waiters.removeValue(forKey: id) { return waiter.continuation }
            // Not registered: about to register (it must then return at once), or resumed already.
            if state.pending.contains(id) { state.cancelled.insert(id) }
            return nil
        }
        continuation?.resume()
    }
}

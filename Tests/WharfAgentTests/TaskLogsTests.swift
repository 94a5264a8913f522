import Foundation
import Glibc
import Testing
import WharfModel
@testable import WharfAgent

/// Reads of task output that wait for more, write times for `since=`, the pipe pump of process
/// tasks, and the collection of ended tasks' sandboxes.
@Suite("Task output reads, pumps and sandbox collection")
struct TaskLogsTests {
    static let taskId = "web.instance-00000000-0000-0000-0000-000000000001._app.1"

    static func request(_ position: TaskLogRequest.Position, wait: Double = 0, limit: Int = TaskLogRequest.maxLimit) -> TaskLogRequest {
        TaskLogRequest(taskId: taskId, stream: .stdout, position: position, limit: limit, waitSeconds: wait)
    }

    static func chunk(_ reply: TaskLogReply) throws -> TaskLogChunk {
        guard case .chunk(let chunk) = reply else { throw TestFailure("not a chunk: \(reply)") }
        return chunk
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Returns once a read waits in `logs` (polled; the test's time limit bounds it).
    static func untilWaiting(_ logs: TaskLogs) async throws {
        while logs.waitingReads == 0 { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test("a waiting read is answered by the next write, by the task's end, or by its timeout — whichever comes first")
    func waitingReads() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let logs = TaskLogs(logger: quietLogger)
        logs.begin(taskId: Self.taskId)
        let sink = logs.sink(taskId: Self.taskId, sandbox: dir.path, stream: .stdout)
        Array("one\n".utf8).withUnsafeBytes { sink.write($0) }

        // Data there: answered at once, not ended.
        let first = try Self.chunk(await logs.read(Self.request(.offset(0), wait: 10), sandbox: dir.path))
        #expect(first.data == Data("one\n".utf8) && first.next == 4 && !first.ended)

        // Nothing beyond offset 4: the read waits (well beyond the test's time limit) until the next write.
        async let waited = logs.read(Self.request(.offset(4), wait: 60), sandbox: dir.path)
        try await Self.untilWaiting(logs)
        Array("two\n".utf8).withUnsafeBytes { sink.write($0) }
        #expect(logs.waitingReads == 0, "the write did not wake the read")
        let second = try Self.chunk(await waited)
        #expect(second.start == 4 && second.data == Data("two\n".utf8))

        // A timeout answers with no data.
        let empty = try Self.chunk(await logs.read(Self.request(.offset(8), wait: 0.2), sandbox: dir.path))
        #expect(empty.data.isEmpty && empty.start == 8 && empty.size == 8 && !empty.ended)

        // The end of the task answers a waiting read, and every later read says ended.
        async let ending = logs.read(Self.request(.offset(8), wait: 60), sandbox: dir.path)
        try await Self.untilWaiting(logs)
        logs.finish(taskId: Self.taskId)
        #expect(logs.waitingReads == 0, "the end did not wake the read")
        #expect(try Self.chunk(await ending).ended)
        let after = try Self.chunk(await logs.read(Self.request(.tailLines(1)), sandbox: dir.path))
        #expect(after.ended && after.data == Data("two\n".utf8) && after.start == 4)

        // A sandbox that does not exist: not found.
        guard case .notFound = await logs.read(Self.request(.offset(0)), sandbox: dir.path + "/nope") else {
            Issue.record("a missing sandbox was not 'not found'")
            return
        }
    }

    @Test("a cancelled waiting read returns at once")
    func cancelledRead() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let logs = TaskLogs(logger: quietLogger)
        logs.begin(taskId: Self.taskId)
        _ = logs.sink(taskId: Self.taskId, sandbox: dir.path, stream: .stdout)
        let read = Task { await logs.read(Self.request(.offset(0), wait: 60), sandbox: dir.path) }
        try await Self.untilWaiting(logs)
        read.cancel()
        #expect(logs.waitingReads == 0, "the cancellation did not end the wait")
        #expect(try Self.chunk(await read.value).data.isEmpty)
    }

    @Test("since: the last mark before the time, 0 before any, the end when nothing was written since")
    func sinceOffsets() {
        let marks: [(millis: Int64, offset: Int64)] = [(1_000, 0), (5_000, 100), (9_000, 250)]
        #expect(LogTimes.offset(since: 500, marks: marks, end: 300) == 0)
        #expect(LogTimes.offset(since: 1_000, marks: marks, end: 300) == 0)
        #expect(LogTimes.offset(since: 6_000, marks: marks, end: 300) == 100, "bytes 100… may have been written after 6 s")
        #expect(LogTimes.offset(since: 9_500, marks: marks, end: 300) == 250, "within the last marked second")
        #expect(LogTimes.offset(since: 20_000, marks: marks, end: 300) == 300, "nothing written since")
        #expect(LogTimes.offset(since: 20_000, marks: [], end: 300) == 0, "no marks: everything")

        // Compaction drops marks of bytes no longer kept (but the one covering the oldest kept byte)
        // and thins the rest until small, always keeping the newest.
        let many = (0..<10_000).map { (millis: Int64($0) * 1000, offset: Int64($0) * 10) }
        let compacted = LogTimes.compacted(many, oldest: 50_005)
        #expect(compacted.first!.offset == 50_000)
        #expect(compacted.last!.offset == many.last!.offset)
        #expect(LogTimes.text(compacted).utf8.count <= LogTimes.compactBytes / 2)
        #expect(zip(compacted, compacted.dropFirst()).allSatisfy { $0.millis < $1.millis })
    }

    @Test("ended sandboxes go after the retention or beyond the newest per app; live ones and other directories stay")
    func sandboxCollection() throws {
        let root = TemporaryDirectory()
        defer { root.cleanUp() }
        let app = root.path + "/web"
        func task(_ n: Int) -> String { "web.instance-00000000-0000-0000-0000-00000000000\(n)._app.1" }
        for n in 1...5 {
            try FileManager.default.createDirectory(atPath: app + "/" + task(n), withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: app + "/" + task(n) + "/stdout", contents: Data("x\n".utf8))
            // Task n last wrote n hours ago.
            var times = [timespec(tv_sec: time(nil) - n * 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - n * 3600, tv_nsec: 0)]
            for path in [app + "/" + task(n) + "/stdout", app + "/" + task(n)] { utimensat(AT_FDCWD, path, &times, 0) }
        }
        try FileManager.default.createDirectory(atPath: app + "/not-a-task", withIntermediateDirectories: true)

        // Task 1 is live and task 2's instance has an unreadable record: neither counts nor goes.
        // Retention 4.5 h: of the ended 3, 4 and 5, task 5 is too old.
        let keep: Set<String> = [task(1)]
        let keepInstances: Set<String> = [Instance.instanceId(fromTaskId: task(2))]
        let removed = SandboxCollector.sweep(root: root.path, keep: keep, keepInstances: keepInstances,
                                             now: Date().timeIntervalSince1970, retentionSeconds: 4.5 * 3600, perApp: 3)
        #expect(removed.map { ($0 as NSString).lastPathComponent } == [task(5)])
        // At most one ended sandbox per app: the newest ended one (task 3) stays.
        let more = SandboxCollector.sweep(root: root.path, keep: keep, keepInstances: keepInstances,
                                          now: Date().timeIntervalSince1970, retentionSeconds: 4.5 * 3600, perApp: 1)
        #expect(more.map { ($0 as NSString).lastPathComponent } == [task(4)])
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: app))
        #expect(left == [task(1), task(2), task(3), "not-a-task"], "\(left)")
    }

    @Test("a process task's output goes through its FIFOs into the files, and its exit comes after all of it")
    func processOutputIsCompleteAtExit() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let logs = TaskLogs(rotation: LogRotation(maxFileBytes: 64 * 1024, maxFiles: 100), logger: quietLogger)
        let runtime = ProcessRuntime(cgroups: .unavailable(reason: "test"), logs: logs, logger: quietLogger)
        let spec = TaskSpec(
            taskId: Self.taskId, instanceId: Instance.instanceId(fromTaskId: Self.taskId), incarnation: 1, appId: PathId("/web"),
            // 3 MB in one burst, more than the pipe holds, then exit at once.
            command: .shell("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo bye >&2"),
            environment: ["PATH": "/usr/bin:/bin"], sandbox: dir.path, resources: Resources(cpus: 0.1, mem: 64, disk: 0))
        var exits = runtime.exits.makeAsyncIterator()
        _ = try await runtime.start(spec)
        let exit = try #require(await exits.next())
        #expect(exit.exitCode == 0)
        #expect(!logs.isLive(Self.taskId), "the output was not complete when the exit was reported")
        let layout = LogFiles.layout(directory: dir.path, name: "stdout")
        #expect(layout.end == 3_000_001)
        #expect(layout.files.count >= 40, "rotated in 64 KiB files")
        #expect(FileIO.read(dir.path + "/stderr") == "bye\n")
        // The pipes are named pipes in the sandbox, read-write for the task.
        var info = stat()
        #expect(lstat(dir.path + "/.stdout.fifo", &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
        await runtime.detach()
    }
}

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One `wharf dev` process started from the built binary on free ports with a temporary data dir,
/// driven over HTTP the way a user would. Use through `withWharf { wharf in ... }`, which checks for
/// orphan processes, stops it, kills its tasks and removes the data dir.
final class WharfProcess {
    /// The temporary data dir (absolute); every task sandbox lies below it.
    let dataDir: String
    let apiPort: Int
    /// Port of the edge router (HTTP).
    let routerPort: Int
    /// Port of the DNS server (UDP and TCP).
    let dnsPort: Int
    /// Host ports this instance hands to tasks, disjoint from every other test's.
    let taskPorts: ClosedRange<Int>
    /// Client for this instance's API.
    let api: MarathonClient
    /// Flags added after the harness's own.
    let extraArguments: [String]

    private var process: Process?
    private let stdoutPath: String
    private let stderrPath: String

    /// The repository root, found from this file's path.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$WHARF_BIN`, else `.build/debug/wharf` of this checkout.
    static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["WHARF_BIN"], !path.isEmpty { return path }
        return packageRoot.appendingPathComponent(".build/debug/wharf").path
    }

    private init(extraArguments: [String]) throws {
        let ports = PortAllocator.shared.block(of: 23)
        apiPort = ports.lowerBound
        routerPort = ports.lowerBound + 1
        dnsPort = ports.lowerBound + 2
        taskPorts = (ports.lowerBound + 3)...ports.upperBound
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-it-\(UUID().uuidString.prefix(8).lowercased())")
        dataDir = base.resolvingSymlinksInPath().path
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        stdoutPath = dataDir + "/test-wharf.stdout.log"
        stderrPath = dataDir + "/test-wharf.stderr.log"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        api = MarathonClient(baseURL: "http://127.0.0.1:\(apiPort)")
        self.extraArguments = extraArguments
    }

    /// The arguments of `wharf dev` for this instance.
    var arguments: [String] {
        [
            "dev", "--data-dir", dataDir, "--api-port", "\(apiPort)", "--bind", "127.0.0.1", "--host", "127.0.0.1",
            "--task-ports", "\(taskPorts.lowerBound)-\(taskPorts.upperBound)",
            "--router-port", "\(routerPort)", "--router-bind", "127.0.0.1", "--dns-port", "\(dnsPort)",
            // Service ports (10000-20000) are shared by every test's wharf; tests of TCP routes turn
            // them on and use service ports from their own block.
            "--tcp-routes", "false",
            // Declared capacity well above what tests ask for, so nothing waits for resources by accident.
            "--cpus", "16", "--mem", "16384", "--disk", "100000", "--log-level", "debug",
        ] + extraArguments
    }

    /// Starts a new instance and waits until `GET /ping` answers.
    static func start(extraArguments: [String] = []) async throws -> WharfProcess {
        let wharf = try WharfProcess(extraArguments: extraArguments)
        do {
            try await wharf.launch()
        } catch {
            ProcessTable.killAll(under: wharf.dataDir)
            if let pid = wharf.process?.processIdentifier { kill(pid, SIGKILL) }
            throw error
        }
        return wharf
    }

    /// Launches the binary on this instance's data dir and ports and waits for `/ping`.
    func launch() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binaryPath) else {
            throw HarnessError("wharf binary not found at \(Self.binaryPath); run `swift build` first or set WHARF_BIN")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: dataDir)
        let out = FileHandle(forWritingAtPath: stdoutPath)!
        let err = FileHandle(forWritingAtPath: stderrPath)!
        out.seekToEndOfFile()
        err.seekToEndOfFile()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        // A wharf that exits ends the wait at once (an error thrown here would only count as "not yet").
        try await waitUntil("wharf dev answers GET /ping on port \(apiPort)", timeout: .seconds(60), every: .milliseconds(50)) {
            guard process.isRunning else { return true }
            return try await api.get("/ping").status == 200
        }
        guard process.isRunning else {
            throw HarnessError("wharf dev exited with status \(process.terminationStatus):\n\(self.logTail())")
        }
    }

    /// Whether the wharf process is running.
    var isRunning: Bool { process?.isRunning ?? false }

    /// The pid of the wharf process.
    var pid: Int32? { process?.processIdentifier }

    /// Sends SIGTERM and waits for wharf to exit (SIGKILL after 30 s). Returns the exit status, or
    /// nil when it had to be killed or was not running. Task processes are not touched: `wharf dev`
    /// leaves them running on purpose, for the next start to re-adopt.
    @discardableResult
    func terminate() async -> Int32? {
        guard let process, process.isRunning else { return nil }
        defer { self.process = nil }
        process.terminate()
        let exited = (try? await waitUntil("wharf dev exits after SIGTERM", timeout: .seconds(30), every: .milliseconds(20)) {
            !process.isRunning
        }) != nil
        if exited { return process.terminationStatus }
        kill(process.processIdentifier, SIGKILL)
        try? await waitUntil("wharf dev exits after SIGKILL", timeout: .seconds(10)) { !process.isRunning }
        return nil
    }

    /// Terminates wharf, then SIGKILLs every task process under the data dir (end-of-test cleanup).
    func stop() async {
        await terminate()
        ProcessTable.killAll(under: dataDir)
    }

    /// Task processes the server does not account for: live processes under the data dir whose
    /// `MESOS_TASK_ID` is not among the tasks of `GET /v2/tasks`.
    func unaccountedProcesses() async throws -> [TaskProcess] {
        let known = taskIds(try await api.get("/v2/tasks").json["tasks"]?.array ?? [])
        return taskProcesses.filter { !known.contains($0.taskId) }
    }

    /// `kill -9` of wharf itself (its task processes are left running, as after a crash).
    func kill9() async throws {
        guard let process, process.isRunning else { throw HarnessError("wharf is not running") }
        kill(process.processIdentifier, SIGKILL)
        try await waitUntil("wharf dev is dead after SIGKILL", timeout: .seconds(10), every: .milliseconds(10)) {
            !process.isRunning
        }
        self.process = nil
    }

    /// Starts wharf again on the same data dir and ports (after `kill9()` or `stop()`).
    func restart() async throws {
        if isRunning { await terminate() }
        try await launch()
    }

    /// Live task processes started by this instance (found by their sandbox under the data dir).
    var taskProcesses: [TaskProcess] { ProcessTable.tasks(under: dataDir) }

    /// The agent's task record files (`<dataDir>/agent/tasks/*.json`): one per task it launched and
    /// has not yet reported ended.
    func agentTaskRecords() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDir + "/agent/tasks")) ?? []
        return names.filter { $0.hasSuffix(".json") }
    }

    /// Distinct task ids among the live processes of `appId`.
    func liveTaskIds(app appId: String) -> Set<String> {
        ProcessTable.liveTaskIds(under: dataDir, app: appId)
    }

    /// The last lines of wharf's standard error.
    func logTail(lines: Int = 60) -> String {
        let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Removes the data dir.
    func removeDataDir() {
        try? FileManager.default.removeItem(atPath: dataDir)
    }
}

/// A precondition of the harness itself failed (binary missing, wharf exited early, ...).
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Limits how many `wharf dev` processes run at once (default 3, `WHARF_TEST_PARALLEL`): swift-testing
/// runs tests in parallel, and on a 2-core machine many servers plus their tasks would starve each other.
/// A test's time limit counts its wait for a slot too, so every integration suite has the same
/// generous limit (15 minutes): it catches a hang, not a slow machine.
actor WharfSlots {
    static let shared = WharfSlots(
        limit: Int(ProcessInfo.processInfo.environment["WHARF_TEST_PARALLEL"] ?? "") ?? 3
    )

    private let limit: Int
    private var inUse = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func acquire() async {
        if inUse < limit {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// Runs `body` against a fresh `wharf dev`; afterwards checks that every task process under its data dir
/// is one the server reports (no orphans), stops it with SIGTERM and kills what is left (tasks outlive
/// `wharf dev` by design, for re-adoption). On failure prints the tail of wharf's log.
func withWharf<T>(
    _ extraArguments: [String] = [], checkNoOrphans: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (WharfProcess) async throws -> T
) async throws -> T {
    await WharfSlots.shared.acquire()
    let wharf: WharfProcess
    do {
        wharf = try await WharfProcess.start(extraArguments: extraArguments)
    } catch {
        await WharfSlots.shared.release()
        throw error
    }
    let result: Result<T, Error>
    do {
        result = .success(try await body(wharf))
    } catch {
        result = .failure(error)
        print("""
            ── wharf dev (data dir \(wharf.dataDir), API \(wharf.api.baseURL)) failed a test: \(error)
            ── last lines of its log:
            \(wharf.logTail())
            ──
            """)
    }
    if checkNoOrphans, wharf.isRunning {
        // No orphans: every task process under the data dir belongs to a task the server reports
        // (kills in progress get a moment to finish).
        let orphans = try? await poll("every task process is accounted for", timeout: .seconds(20)) { () -> [TaskProcess]? in
            let unaccounted = try await wharf.unaccountedProcesses()
            return unaccounted.isEmpty ? [] : nil
        }
        if orphans == nil {
            let unaccounted = (try? await wharf.unaccountedProcesses()) ?? []
            Issue.record(
                "task processes the server does not know about: \(unaccounted.map { "pid \($0.pid) task \($0.taskId)" })",
                sourceLocation: sourceLocation
            )
        }
    }
    await wharf.stop()
    if case .success = result, ProcessInfo.processInfo.environment["WHARF_TEST_KEEP"] == nil {
        wharf.removeDataDir()
    }
    await WharfSlots.shared.release()
    return try result.get()
}

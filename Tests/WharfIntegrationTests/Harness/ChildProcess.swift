import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One long-running process of a cluster test (`wharf server`, `wharf agent`, an etcd member), its
/// output in a log file; started, stopped, paused and killed by the test, never by name.
final class ChildProcess {
    /// For messages: `server`, `agent 2`.
    let name: String
    let arguments: [String]
    /// The program; nil: the wharf binary under test.
    let executable: String?
    /// Standard output and error, appended across restarts.
    let logPath: String
    private var process: Process?

    init(name: String, arguments: [String], logPath: String, executable: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.executable = executable
        self.logPath = logPath
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
    }

    /// Starts the binary (`WharfProcess.binaryPath`).
    func start() throws {
        let program = executable ?? WharfProcess.binaryPath
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw HarnessError(executable == nil ? "wharf binary not found at \(program); run `swift build` first or set WHARF_BIN"
                                                 : "\(program) not found; ./scripts/test installs it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: (logPath as NSString).deletingLastPathComponent)
        let log = FileHandle(forWritingAtPath: logPath)!
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    var isRunning: Bool { process?.isRunning ?? false }

    var pid: Int32? { process?.processIdentifier }

    /// The exit status once the process has ended.
    var exitStatus: Int32? {
        guard let process, !process.isRunning else { return nil }
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after 30 s; returns the exit status when it exited by itself.
    @discardableResult
    func terminate() async -> Int32? {
        guard let process, process.isRunning else { return nil }
        defer { self.process = nil }
        process.terminate()
        if (try? await waitUntil("\(name) exits after SIGTERM", timeout: .seconds(30), every: .milliseconds(20)) { !process.isRunning }) != nil {
            return process.terminationStatus
        }
        kill(process.processIdentifier, SIGKILL)
        try? await waitUntil("\(name) exits after SIGKILL", timeout: .seconds(10)) { !process.isRunning }
        return nil
    }

    /// `kill -9`, waiting until the process is gone.
    func kill9() async throws {
        guard let process, process.isRunning else { throw HarnessError("\(name) is not running") }
        kill(process.processIdentifier, SIGKILL)
        try await waitUntil("\(name) is dead after SIGKILL", timeout: .seconds(10), every: .milliseconds(10)) { !process.isRunning }
        self.process = nil
    }

    /// SIGSTOP: the process freezes (a long GC pause, a VM stall) with its sockets open.
    func pause() {
        if let pid = process?.processIdentifier { kill(pid, SIGSTOP) }
    }

    /// SIGCONT after `pause()`.
    func resume() {
        if let pid = process?.processIdentifier { kill(pid, SIGCONT) }
    }

    /// Everything the process wrote so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The last lines of the log.
    func logTail(lines: Int = 40) -> String {
        log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

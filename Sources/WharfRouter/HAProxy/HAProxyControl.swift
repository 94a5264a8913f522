import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the `haproxy` executable: validates config files (`haproxy -c`), starts it in master-worker
/// mode when this command manages it, reloads it (SIGUSR2, or a user command) and stops it.
/// Processes are run from their own threads, never on the concurrency pool.
public actor HAProxyControl {
    /// Absolute path of the executable.
    public let executable: String
    public let configPath: String
    public let pidFile: String?
    public let reloadMethod: HAProxyReloadMethod
    private var managed: Process?

    /// A controller for `executable` running `configPath`.
    public init(executable: String, configPath: String, pidFile: String?, reloadMethod: HAProxyReloadMethod) {
        self.executable = executable
        self.configPath = configPath
        self.pidFile = pidFile
        self.reloadMethod = reloadMethod
    }

    /// The absolute path of `name` (a path is returned as is if executable), searching `PATH` and the
    /// sbin directories where distributions install HAProxy.
    public static func findExecutable(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/sbin"]
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Checks `path` with `haproxy -c -f path`; throws `invalidConfig` with HAProxy's report.
    public func validate(_ path: String) async throws {
        let (status, output) = try await Self.run(executable, ["-c", "-q", "-f", path])
        guard status == 0 else { throw HAProxyControlError.invalidConfig(path: path, output: output) }
    }

    /// Whether the HAProxy started by `start()` is running.
    public var isManagedRunning: Bool { managed?.isRunning ?? false }

    /// Starts `haproxy -W -f config [-p pidfile]` as a child (its output goes to this process's).
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-W", "-f", configPath] + (pidFile.map { ["-p", $0] } ?? [])
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw HAProxyControlError.cannotRun(executable: executable, reason: "\(error)")
        }
        managed = process
    }

    /// Makes HAProxy load the config file again, by `reloadMethod`. Returns when the request was
    /// delivered; the caller watches the worker pid to see it take effect.
    public func reload() async throws {
        switch reloadMethod {
        case .managed:
            guard let managed, managed.isRunning else { throw HAProxyControlError.exited(status: managed?.terminationStatus ?? -1) }
            kill(managed.processIdentifier, SIGUSR2)
        case .signalPidFile(let path):
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            guard let pid = text.split(whereSeparator: \.isWhitespace).first.flatMap({ Int32($0) }), pid > 0 else {
                throw HAProxyControlError.noMaster(pidFile: path, reason: "no pid in the file")
            }
            guard kill(pid, SIGUSR2) == 0 else {
                throw HAProxyControlError.noMaster(pidFile: path, reason: "signalling pid \(pid): \(String(cString: strerror(errno)))")
            }
        case .command(let command):
            let (status, output) = try await Self.run("/bin/sh", ["-c", command])
            guard status == 0 else { throw HAProxyControlError.reloadFailed("`\(command)` exited with \(status): \(output)") }
        }
    }

    /// Stops the HAProxy started by `start()`: soft stop (SIGUSR1) so connections finish, SIGTERM after
    /// `grace`, SIGKILL if even that does not end it.
    public func stop(grace: Duration = .seconds(10)) async {
        guard let process = managed else { return }
        managed = nil
        for (signal, wait) in [(SIGUSR1, grace), (SIGTERM, Duration.seconds(5)), (SIGKILL, Duration.seconds(5))] {
            guard process.isRunning else { return }
            kill(process.processIdentifier, signal)
            let deadline = ContinuousClock.now + wait
            while process.isRunning, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Runs `executable` to completion on a thread of its own; returns its status and combined output.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                process.standardInput = FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: HAProxyControlError.cannotRun(executable: executable, reason: "\(error)"))
                    return
                }
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
            thread.start()
        }
    }
}

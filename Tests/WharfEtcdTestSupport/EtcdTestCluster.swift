import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Throw-away etcd members for tests: a single member or a cluster of several, on free loopback
/// ports, with data in a temporary directory. Depends on Foundation only, so it can be copied as is.
///
/// - The binary is `$ETCD_BIN`, else `/usr/bin/etcd` (Debian's `etcd-server`).
/// - Gate suites with `.enabled(if: EtcdTestCluster.shouldRun)`: they are skipped when etcd is not
///   installed, unless `WHARF_REQUIRE_ETCD=1`, in which case `start` throws a message saying so and
///   the tests fail.
/// - Members never outlive the test process: each has a watchdog shell that SIGKILLs it when the
///   test process is gone (even after `kill -9` of the tests), and an `atexit` hook kills every member
///   still running at a normal exit. Call `stop()` when a test is done with its own cluster.
/// - `shared()` is one single-member etcd per test process, started on first use; tests sharing it
///   keep apart by using their own key prefix.
public final class EtcdTestCluster: Sendable {
    /// Where the etcd binary is looked for.
    public static var binaryPath: String {
        ProcessInfo.processInfo.environment["ETCD_BIN"] ?? "/usr/bin/etcd"
    }

    /// Whether the etcd binary is installed.
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: binaryPath)
    }

    /// Whether the environment demands the etcd tests (`WHARF_REQUIRE_ETCD=1`, set by CI).
    public static var isRequired: Bool {
        ProcessInfo.processInfo.environment["WHARF_REQUIRE_ETCD"] == "1"
    }

    /// Whether etcd tests should run: etcd is installed, or it is required (and its absence fails them).
    public static var shouldRun: Bool { isInstalled || isRequired }

    /// The members, in the order of `clientURLs`.
    public let members: [EtcdTestMember]
    /// The directory holding every member's data and log.
    public let directory: URL

    /// Every member's client URL (`http://127.0.0.1:port`).
    public var clientURLs: [String] { members.map(\.clientURL) }

    private init(members: [EtcdTestMember], directory: URL) {
        self.members = members
        self.directory = directory
    }

    /// The single-member etcd shared by every test of this process (started on first use, killed at exit).
    public static func shared() async throws -> EtcdTestCluster {
        try await SharedCluster.instance.get()
    }

    /// Starts `size` members forming one cluster and waits until it has a leader and accepts writes.
    ///
    /// - Parameter arguments: Extra flags for every member, e.g. `["--experimental-enable-lease-checkpoint"]`.
    /// - Throws: `EtcdTestError` when etcd is missing or the cluster does not come up within 30 s
    ///   (with the tail of each member's log).
    public static func start(size: Int = 1, arguments: [String] = []) async throws -> EtcdTestCluster {
        guard isInstalled else {
            throw EtcdTestError(
                "etcd not found at \(binaryPath): install Debian's etcd-server (apt-get install etcd-server) or set ETCD_BIN"
                    + (isRequired ? "; WHARF_REQUIRE_ETCD=1 makes the etcd tests mandatory" : "")
            )
        }
        var lastError: (any Error)?
        // Ports are probed free, then bound by etcd: another process may take one in between; retry.
        for _ in 0..<3 {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("wharf-etcd-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let token = "wharf-test-\(UUID().uuidString)"
            let ports = try (0..<size).map { _ in (client: try freeLoopbackPort(), peer: try freeLoopbackPort()) }
            let names = (0..<size).map { "m\($0)" }
            let initialCluster = zip(names, ports).map { "\($0)=http://127.0.0.1:\($1.peer)" }.joined(separator: ",")
            let members = zip(names, ports).map { name, port in
                EtcdTestMember(
                    name: name, clientPort: port.client, peerPort: port.peer, directory: directory,
                    arguments: arguments + [
                        "--initial-cluster", initialCluster, "--initial-cluster-state", "new",
                        "--initial-cluster-token", token,
                    ]
                )
            }
            let cluster = EtcdTestCluster(members: members, directory: directory)
            do {
                for member in members { try member.start() }
                try await cluster.waitUntilReady(timeout: 30)
                return cluster
            } catch {
                lastError = error
                cluster.stop()
            }
        }
        throw lastError ?? EtcdTestError("etcd did not start")
    }

    /// Kills every member and removes the data directory.
    public func stop() {
        for member in members { member.kill(signal: SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Waits until every running member answers and knows a leader.
    public func waitUntilReady(timeout seconds: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        var lastProblem = "no answer yet"
        while Date() < deadline {
            var ready = true
            for member in members where member.isRunning {
                do {
                    if try await member.knowsLeader() == false {
                        ready = false
                        lastProblem = "\(member.name) knows no leader"
                    }
                } catch {
                    ready = false
                    lastProblem = "\(member.name): \(error)"
                }
            }
            if ready { return }
            for member in members where member.hasExited {
                throw EtcdTestError("etcd member \(member.name) exited:\n\(member.logTail())")
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let logs = members.map { "\($0.name):\n\($0.logTail())" }.joined(separator: "\n")
        throw EtcdTestError("etcd cluster not ready after \(seconds) s (\(lastProblem))\n\(logs)")
    }

    /// A TCP port on 127.0.0.1 that was free just now (the kernel's choice for port 0).
    public static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw EtcdTestError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard result else { throw EtcdTestError("could not bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A failure of the etcd test support, with what to do about it.
public struct EtcdTestError: Error, CustomStringConvertible {
    /// The message.
    public var description: String

    /// A failure described by `description`.
    public init(_ description: String) {
        self.description = description
    }
}

/// The process-wide single-member cluster of `EtcdTestCluster.shared()`.
private actor SharedCluster {
    static let instance = SharedCluster()
    private var starting: Task<EtcdTestCluster, any Error>?

    func get() async throws -> EtcdTestCluster {
        if let starting { return try await starting.value }
        let task = Task { try await EtcdTestCluster.start(size: 1) }
        starting = task
        return try await task.value
    }
}

/// Member processes still running, killed by the `atexit` hook.
private let runningMembers = NSLockedPIDs()

/// A lock-protected set of pids (`NSLock` guards every access, hence `@unchecked Sendable`).
private final class NSLockedPIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var pids: Set<Int32> = []
    private var hookInstalled = false

    func insert(_ pid: Int32) {
        lock.lock()
        defer { lock.unlock() }
        pids.insert(pid)
        if !hookInstalled {
            hookInstalled = true
            atexit { runningMembers.killAll() }
        }
    }

    func remove(_ pid: Int32) {
        lock.lock()
        defer { lock.unlock() }
        pids.remove(pid)
    }

    func killAll() {
        lock.lock()
        defer { lock.unlock() }
        for pid in pids { kill(pid, SIGKILL) }
        pids.removeAll()
    }
}

/// One etcd member process of an `EtcdTestCluster`: start, SIGTERM, `kill -9`, pause and resume it.
///
/// The process handles are guarded by `lock`, hence `@unchecked Sendable`.
public final class EtcdTestMember: @unchecked Sendable {
    /// The member name (`m0`, `m1`, …).
    public let name: String
    /// The client port on 127.0.0.1.
    public let clientPort: Int
    /// The peer port on 127.0.0.1.
    public let peerPort: Int
    /// The member's data directory.
    public let dataDirectory: URL
    /// Its log (standard output and error, appended across restarts).
    public let logPath: String
    private let arguments: [String]
    private let lock = NSLock()
    private var process: Process?
    private var watchdog: Process?

    /// The client URL.
    public var clientURL: String { "http://127.0.0.1:\(clientPort)" }

    init(name: String, clientPort: Int, peerPort: Int, directory: URL, arguments: [String]) {
        self.name = name
        self.clientPort = clientPort
        self.peerPort = peerPort
        self.dataDirectory = directory.appendingPathComponent(name, isDirectory: true)
        self.logPath = directory.appendingPathComponent("\(name).log").path
        self.arguments = [
            "--name", name, "--data-dir", dataDirectory.path,
            "--listen-client-urls", "http://127.0.0.1:\(clientPort)",
            "--advertise-client-urls", "http://127.0.0.1:\(clientPort)",
            "--listen-peer-urls", "http://127.0.0.1:\(peerPort)",
            "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
            // Debian's 3.4 panics with its default logger when it logs a configuration warning.
            "--logger=zap", "--log-outputs=stderr",
        ] + arguments
    }

    /// Starts the member (again, after `kill9` or `terminate`, with the same data).
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        if let process, process.isRunning { return }
        if !FileManager.default.fileExists(atPath: logPath) {
            FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw EtcdTestError("cannot write \(logPath)") }
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EtcdTestCluster.binaryPath)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        runningMembers.insert(process.processIdentifier)
        // Kills the member once the test process is gone, however it ended.
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = [
            "-c", "while kill -0 \(getpid()) 2>/dev/null && kill -0 \(process.processIdentifier) 2>/dev/null; do sleep 1; done; "
                + "kill -9 \(process.processIdentifier) 2>/dev/null",
        ]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
        self.process = process
        self.watchdog = watchdog
    }

    /// The process id while running.
    public var pid: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return process.flatMap { $0.isRunning ? $0.processIdentifier : nil }
    }

    /// Whether the process runs (a paused one counts as running).
    public var isRunning: Bool { pid != nil }

    /// Whether the process was started and has ended.
    var hasExited: Bool {
        lock.lock()
        defer { lock.unlock() }
        return process.map { !$0.isRunning } ?? false
    }

    /// Sends `signal` and, for SIGKILL and SIGTERM, waits up to 10 s until the process is gone.
    public func kill(signal: Int32) {
        lock.lock()
        let process = self.process
        let watchdog = self.watchdog
        lock.unlock()
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, signal)
        guard signal == SIGKILL || signal == SIGTERM else { return }
        if signal == SIGTERM { Glibc.kill(process.processIdentifier, SIGCONT) }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        runningMembers.remove(process.processIdentifier)
        if let watchdog, watchdog.isRunning { Glibc.kill(watchdog.processIdentifier, SIGKILL) }
    }

    /// `kill -9`.
    public func kill9() { kill(signal: SIGKILL) }
    /// SIGTERM (etcd hands leadership over first).
    public func terminate() { kill(signal: SIGTERM) }
    /// SIGSTOP: the member freezes, as in a long GC pause.
    public func pause() { kill(signal: SIGSTOP) }
    /// SIGCONT after `pause()`.
    public func resume() { kill(signal: SIGCONT) }

    /// Whether the member answers its status endpoint and names a leader.
    public func knowsLeader() async throws -> Bool {
        var request = URLRequest(url: URL(string: "\(clientURL)/v3/maintenance/status")!)
        request.httpMethod = "POST"
        request.httpBody = Data("{}".utf8)
        request.timeoutInterval = 2
        let (data, _) = try await URLSession.shared.data(for: request)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        guard let leader = object?["leader"] as? String else { return false }
        return leader != "0"
    }

    /// The last lines of the member's log.
    public func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

import Dispatch
import Glibc

/// Notices when watched processes end, without a thread per process.
///
/// A `SIGCHLD` dispatch source wakes a sweep as soon as a child exits; a periodic sweep catches what
/// signals cannot report (processes adopted after an agent restart are not children of this
/// process) and anything a coalesced or misdirected signal missed. A sweep reaps children with
/// `waitpid(pid, WNOHANG)` (only pids it watches, never `-1`, so other code's children are left
/// alone) and checks non-children through `/proc/<pid>/stat`, comparing start times so that a
/// recycled pid is never mistaken for the task.
actor ProcessMonitor {
    /// A watched process that ended. `waitStatus` is the raw status from `waitpid`, or nil when the
    /// process was not a child of this process and its status is therefore unknown.
    struct Exit: Sendable {
        var pid: Int32
        var waitStatus: Int32?
    }

    /// One element per watched process that ended; finishes after ``stop()``.
    nonisolated let exits: AsyncStream<Exit>
    private let continuation: AsyncStream<Exit>.Continuation
    private let pollInterval: Duration
    private var watched: [Int32: UInt64?] = [:]
    private var signalSource: DispatchSourceSignal?
    private var poller: Task<Void, Never>?
    private var stopped = false

    /// - Parameter pollInterval: period of the fallback sweep; bounds how late the exit of an
    ///   adopted process is noticed.
    init(pollInterval: Duration = .milliseconds(500)) {
        self.pollInterval = pollInterval
        (exits, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    deinit {
        // The signal source cannot be touched here (not Sendable); its handler holds `self` weakly.
        poller?.cancel()
        continuation.finish()
    }

    /// Starts watching `pid`; `startTime` (from `/proc/<pid>/stat`) identifies the process.
    func watch(pid: Int32, startTime: UInt64?) {
        guard !stopped else { return }
        watched[pid] = startTime
        startSourcesIfNeeded()
        // Only the new process can have exited unnoticed (before it was watched); checking all of
        // them here would make every launch cost O(tasks).
        if let exit = Self.check(pid: pid, startTime: startTime) {
            watched[pid] = nil
            continuation.yield(exit)
        }
    }

    /// Stops watching `pid` without reporting it.
    func unwatch(pid: Int32) {
        watched[pid] = nil
    }

    /// Whether `pid` is watched (has not been reported as ended).
    func isWatching(pid: Int32) -> Bool {
        watched[pid] != nil
    }

    /// Stops all watching; processes keep running and unreaped children stay zombies until this
    /// process exits (then the init process reaps them).
    func stop() {
        stopped = true
        watched.removeAll()
        signalSource?.cancel()
        signalSource = nil
        poller?.cancel()
        poller = nil
        continuation.finish()
    }

    /// Checks every watched process once and reports those that ended.
    func sweep() {
        for (pid, startTime) in watched {
            if let exit = Self.check(pid: pid, startTime: startTime) {
                watched[pid] = nil
                continuation.yield(exit)
            }
        }
    }

    private func startSourcesIfNeeded() {
        guard signalSource == nil else { return }
        let source = DispatchSource.makeSignalSource(signal: SIGCHLD, queue: .global())
        source.setEventHandler { [weak self] in
            Task { await self?.sweep() }
        }
        source.resume()
        signalSource = source
        let interval = pollInterval
        poller = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                await self.sweep()
            }
        }
    }

    /// The exit of `pid` if it ended, nil while it runs.
    private static func check(pid: Int32, startTime: UInt64?) -> Exit? {
        guard let stat = ProcStat.read(pid: pid) else {
            // No /proc entry: not even a zombie any more, so someone (init, after an agent restart) reaped it.
            return Exit(pid: pid, waitStatus: nil)
        }
        if let startTime, stat.startTime != startTime {
            // The pid now belongs to another process; never waitpid() it.
            return Exit(pid: pid, waitStatus: nil)
        }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return Exit(pid: pid, waitStatus: status) }
        if result == 0 { return nil }
        return stat.state == "Z" ? Exit(pid: pid, waitStatus: nil) : nil
    }
}

/// How a task ended, as observed by its runtime.
public struct TaskExit: Hashable, Sendable {
    /// What ended the task's main process.
    public enum Termination: Hashable, Sendable {
        /// It exited by itself with this status code.
        case exited(code: Int32)
        /// It was terminated by a signal; `outOfMemory` when the kernel's OOM killer sent it.
        case signaled(signal: Int32, outOfMemory: Bool)
        /// It is gone but its exit status could not be observed (for example a re-adopted process
        /// that is not a child of this agent process).
        case unknown
    }

    /// The handle the task was started or adopted with.
    public var handle: TaskHandle
    public var termination: Termination
    /// Whether the runtime had been asked to stop the task before it ended.
    public var stopRequested: Bool
    /// The runtime's own account of the end when the termination alone would mislead (a container
    /// that vanished while its engine was down); replaces ``description`` when set.
    public var detail: String?

    public init(handle: TaskHandle, termination: Termination, stopRequested: Bool, detail: String? = nil) {
        self.handle = handle
        self.termination = termination
        self.stopRequested = stopRequested
        self.detail = detail
    }

    /// The exit code, when the process exited by itself.
    public var exitCode: Int32? {
        if case .exited(let code) = termination { return code }
        return nil
    }

    /// The terminating signal, when there was one.
    public var signal: Int32? {
        if case .signaled(let signal, _) = termination { return signal }
        return nil
    }

    /// A human-readable description: `exited with code 3`, `killed by signal 9 (SIGKILL)`,
    /// `out of memory (killed by signal 9 (SIGKILL))`.
    public var description: String {
        if let detail { return detail }
        switch termination {
        case .exited(let code):
            switch code {
            case 126: return "exited with code 126 (command not executable)"
            case 127: return "exited with code 127 (command not found)"
            default: return "exited with code \(code)"
            }
        case .signaled(let signal, let outOfMemory):
            let killed = "killed by signal \(signal)" + (Self.signalName(signal).map { " (\($0))" } ?? "")
            return outOfMemory ? "out of memory (\(killed))" : killed
        case .unknown:
            return "process exited; exit status unknown (not a child of this agent process)"
        }
    }

    /// The conventional name of a Linux signal number (`SIGKILL` for 9), nil when unusual.
    public static func signalName(_ signal: Int32) -> String? {
        let names: [Int32: String] = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
            8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
            14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS",
        ]
        return names[signal]
    }
}

/// Why a runtime could not start a task. `description` is what the agent reports as the task's
/// TASK_FAILED message.
public enum RuntimeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The process could not be created (`errno` from posix_spawn or the executable lookup).
    case spawnFailed(errno: Int32, detail: String)
    /// The sandbox directory or its log files could not be created.
    case sandboxFailed(path: String, errno: Int32)
    /// The task's cgroup could not be created or its limits not written.
    case isolationFailed(detail: String)
    /// The app gives neither `cmd` nor `args`.
    case noCommand
    /// The spec asks for something this runtime cannot do (a container image for the process runtime).
    case unsupported(String)
    /// The container engine refused or failed a step (image pull, create, start); the text says
    /// which and carries the engine's or registry's message.
    case engineFailed(String)

    public var description: String {
        switch self {
        case .spawnFailed(let errno, let detail):
            return "spawn failed: \(ErrorText.strerror(errno))" + (detail.isEmpty ? "" : " (\(detail))")
        case .sandboxFailed(let path, let errno):
            return "spawn failed: cannot prepare sandbox \(path): \(ErrorText.strerror(errno))"
        case .isolationFailed(let detail):
            return "spawn failed: cannot apply resource limits: \(detail)"
        case .noCommand:
            return "spawn failed: the app has neither cmd nor args"
        case .unsupported(let what):
            return "spawn failed: \(what)"
        case .engineFailed(let message):
            return message
        }
    }
}

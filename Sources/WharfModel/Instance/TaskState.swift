/// A task's state, with Marathon's (Mesos') wire names.
public enum TaskState: String, Codable, Sendable, CaseIterable {
    case staging = "TASK_STAGING"
    case starting = "TASK_STARTING"
    case running = "TASK_RUNNING"
    case killing = "TASK_KILLING"
    case finished = "TASK_FINISHED"
    case failed = "TASK_FAILED"
    case killed = "TASK_KILLED"
    case error = "TASK_ERROR"
    case lost = "TASK_LOST"
    case gone = "TASK_GONE"
    case dropped = "TASK_DROPPED"
    case unreachable = "TASK_UNREACHABLE"
    case unknown = "TASK_UNKNOWN"

    /// Whether the task has ended for good; a terminal instance is never started again, only replaced.
    public var isTerminal: Bool {
        switch self {
        case .finished, .failed, .killed, .error, .lost, .gone, .dropped, .unknown: return true
        case .staging, .starting, .running, .killing, .unreachable: return false
        }
    }

    /// Whether an exit in this state counts as a failure for launch backoff
    /// (Marathon: FAILED and FINISHED increase the delay, KILLED does not).
    public var countsAsLaunchFailure: Bool {
        switch self {
        case .failed, .finished, .error, .lost, .gone, .dropped: return true
        default: return false
        }
    }

    /// Marathon's instance condition name (`Running`, `Failed`, ...) used in `instance_changed_event`.
    public var condition: String {
        switch self {
        case .staging: return "Staging"
        case .starting: return "Starting"
        case .running: return "Running"
        case .killing: return "Killing"
        case .finished: return "Finished"
        case .failed: return "Failed"
        case .killed: return "Killed"
        case .error: return "Error"
        case .lost: return "Gone"
        case .gone: return "Gone"
        case .dropped: return "Dropped"
        case .unreachable: return "Unreachable"
        case .unknown: return "Unknown"
        }
    }
}

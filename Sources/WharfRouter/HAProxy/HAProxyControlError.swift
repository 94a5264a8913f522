/// Failures validating, starting or reloading HAProxy.
public enum HAProxyControlError: Error, Sendable, CustomStringConvertible {
    /// `haproxy -c` rejected the generated file; `output` is its report.
    case invalidConfig(path: String, output: String)
    /// The executable could not be run.
    case cannotRun(executable: String, reason: String)
    /// The pid file is missing or does not name a live process.
    case noMaster(pidFile: String, reason: String)
    /// The reload command failed.
    case reloadFailed(String)
    /// HAProxy started by this command exited.
    case exited(status: Int32)

    public var description: String {
        switch self {
        case .invalidConfig(let path, let output):
            return "haproxy -c rejected \(path); the running config is kept:\n\(output)"
        case .cannotRun(let executable, let reason):
            return "cannot run \(executable): \(reason) (is HAProxy installed? see --haproxy)"
        case .noMaster(let pidFile, let reason):
            return "cannot reload HAProxy through pid file \(pidFile): \(reason)"
        case .reloadFailed(let reason):
            return "reloading HAProxy failed: \(reason)"
        case .exited(let status):
            return "HAProxy exited with status \(status)"
        }
    }
}

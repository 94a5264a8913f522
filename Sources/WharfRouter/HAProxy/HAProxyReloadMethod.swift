/// How `wharf haproxy` makes HAProxy load a new config file.
public enum HAProxyReloadMethod: Sendable, Equatable, CustomStringConvertible {
    /// HAProxy was started by this process (`--start`, master-worker mode): SIGUSR2 to it.
    case managed
    /// SIGUSR2 to the master whose pid is in this file (HAProxy's own `-p` file; systemd's
    /// `ExecReload` does the same).
    case signalPidFile(String)
    /// Run this shell command (`systemctl reload haproxy`); exit status 0 means success.
    case command(String)

    public var description: String {
        switch self {
        case .managed: return "SIGUSR2 to the HAProxy started by this command"
        case .signalPidFile(let path): return "SIGUSR2 to the master pid in \(path)"
        case .command(let command): return "`\(command)`"
        }
    }
}

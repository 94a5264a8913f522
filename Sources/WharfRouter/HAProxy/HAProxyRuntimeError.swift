/// Failures talking to HAProxy's runtime API.
public enum HAProxyRuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing answered on the socket (HAProxy not running, wrong path, no permission).
    case unreachable(socket: String, reason: String)
    /// HAProxy answered with an error; `message` is its text ("No such server.").
    case rejected(command: String, message: String)
    /// An answer this client cannot read.
    case unexpectedOutput(command: String, output: String)

    /// HAProxy does not know the backend: the running config is older than expected.
    public var isNoSuchBackend: Bool { message?.contains("No such backend") ?? false }
    /// HAProxy does not know the server.
    public var isNoSuchServer: Bool { message?.contains("No such server") ?? false }
    /// `del server` refused because connections are still attached; retry later.
    public var isServerBusy: Bool { message?.contains("connections") ?? false }

    private var message: String? {
        if case .rejected(_, let message) = self { return message }
        return nil
    }

    public var description: String {
        switch self {
        case .unreachable(let socket, let reason):
            return "HAProxy's runtime API at \(socket) does not answer (\(reason)); is HAProxy running with `stats socket \(socket) level admin`?"
        case .rejected(let command, let message):
            return "HAProxy rejected '\(command)': \(message)"
        case .unexpectedOutput(let command, let output):
            return "unexpected answer to '\(command)': \(output.prefix(200))"
        }
    }
}

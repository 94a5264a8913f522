import Foundation

/// A runtime API command that changes a server without a reload, and how to tell whether HAProxy
/// accepted it (the API answers with text; success looks different per command).
public enum HAProxyRuntimeCommand: Sendable, Hashable, CustomStringConvertible {
    /// `add server b/s addr:port <options>`; a server added at runtime starts in maintenance with its
    /// health check disabled (HAProxy 2.6 management guide), hence `enableHealth` and `ready` after it.
    case addServer(backend: String, server: String, host: String, port: Int, options: String)
    /// `enable health b/s`.
    case enableHealth(backend: String, server: String)
    /// `set server b/s state ready|drain|maint`.
    case setState(backend: String, server: String, state: ServerState)
    /// `set server b/s addr <ip> port <port>`.
    case setAddress(backend: String, server: String, host: String, port: Int)
    /// `shutdown sessions server b/s`: cuts the server's connections.
    case shutdownSessions(backend: String, server: String)
    /// `del server b/s`: only for servers in maintenance without connections.
    case deleteServer(backend: String, server: String)

    /// Administrative states of `set server ... state`.
    public enum ServerState: String, Sendable, Hashable {
        case ready, drain, maint
    }

    /// The backend and server the command is about.
    public var target: (backend: String, server: String) {
        switch self {
        case .addServer(let backend, let server, _, _, _), .enableHealth(let backend, let server),
             .setState(let backend, let server, _), .setAddress(let backend, let server, _, _),
             .shutdownSessions(let backend, let server), .deleteServer(let backend, let server):
            return (backend, server)
        }
    }

    /// The command line sent to the socket.
    public var description: String {
        switch self {
        case .addServer(let backend, let server, let host, let port, let options):
            return "add server \(backend)/\(server) \(HAProxyConfigRenderer.address(host, port)) \(options)"
        case .enableHealth(let backend, let server):
            return "enable health \(backend)/\(server)"
        case .setState(let backend, let server, let state):
            return "set server \(backend)/\(server) state \(state.rawValue)"
        case .setAddress(let backend, let server, let host, let port):
            return "set server \(backend)/\(server) addr \(host) port \(port)"
        case .shutdownSessions(let backend, let server):
            return "shutdown sessions server \(backend)/\(server)"
        case .deleteServer(let backend, let server):
            return "del server \(backend)/\(server)"
        }
    }

    /// Whether `response` (the socket's whole answer) reports success.
    public func succeeded(_ response: String) -> Bool {
        let text = response.trimmingCharacters(in: .whitespacesAndNewlines)
        switch self {
        case .addServer: return text.hasPrefix("New server registered")
        case .deleteServer: return text.hasPrefix("Server deleted")
        case .setAddress: return text.contains("changed from") || text.hasPrefix("no need to change")
        case .enableHealth, .setState, .shutdownSessions: return text.isEmpty
        }
    }
}

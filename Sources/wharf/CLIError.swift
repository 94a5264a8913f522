import ArgumentParser
import Foundation

/// Failures of client commands, each with the exit code scripts can test.
enum CLIError: Error {
    /// The server answered with an error status; `message`/`details` are from its Marathon error body.
    case server(status: Int, message: String, details: JSON?)
    /// No HTTP exchange with the server was possible.
    case cannotConnect(url: String, reason: String)
    /// The user's input is unusable before anything was sent (unreadable or invalid JSON file).
    case usage(String)
    /// `--wait` gave up.
    case timedOut(String)

    /// 1 server error, 2 cannot connect, 3 wait timed out, 64 usage (as ArgumentParser's validation errors).
    var exitCode: Int32 {
        switch self {
        case .server: return 1
        case .cannotConnect: return 2
        case .timedOut: return 3
        case .usage: return 64
        }
    }

    /// What is printed to standard error.
    var report: String {
        switch self {
        case .server(let status, let message, let details):
            var lines = ["Error: \(message) (HTTP \(status))"]
            if status == 422, message == "Invalid JSON", details?.array != nil {
                // Marathon's wording for well-formed JSON whose members have the wrong type, value or
                // presence: say so, so that the user looks at the paths below and not for a syntax error.
                lines[0] += ": the JSON is well-formed, but these members do not fit Marathon's app format"
            }
            switch details {
            case .string(let text)?:
                lines.append("  \(text)")
            case .array(let entries)?:
                for entry in entries {
                    let path = entry["path"]?.string ?? "/"
                    let errors = entry["errors"]?.array?.map(\.text) ?? [entry.text]
                    for error in errors { lines.append("  \(path): \(error)") }
                }
            case let other?:
                lines.append("  \(other.text)")
            case nil:
                break
            }
            return lines.joined(separator: "\n")
        case .cannotConnect(let url, let reason):
            return "Error: cannot connect to the Wharf API at \(url) (\(reason)).\n"
                + "Is `wharf dev` running there? Point --api or WHARF_API at the server."
        case .usage(let message):
            return "Error: \(message)"
        case .timedOut(let message):
            return "Error: \(message)"
        }
    }
}

extension CLIError {
    /// The API's hint for overriding a deployment lock, as Marathon words it.
    static let apiForceHint = "the option '?force=true'"

    /// This error as a command with a `--force` flag reports it: a 409 whose message tells API
    /// users to add `?force=true` names the flag instead.
    func namingForceFlag() -> CLIError {
        guard case let .server(status, message, details) = self, status == 409, message.contains(Self.apiForceHint) else {
            return self
        }
        return .server(status: status, message: message.replacingOccurrences(of: Self.apiForceHint, with: "--force"),
                       details: details)
    }
}

/// Runs a client command body, printing `CLIError`s and turning them into their exit codes.
/// Commands with a `--force` flag pass `forceFlag` so that lock errors name it.
func runReportingErrors(forceFlag: Bool = false, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        let reported = forceFlag ? error.namingForceFlag() : error
        FileHandle.standardError.write(Data((reported.report + "\n").utf8))
        throw ExitCode(reported.exitCode)
    }
}

/// Writes a line to standard error (progress and warnings, so stdout stays parseable).
func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

// The Docker Engine API's JSON, reduced to the fields the agent reads or writes. Property names are
// the API's own (PascalCase) so that the Codable synthesis matches the wire format without key maps.

/// Request and response bodies of the Docker Engine API (`/version`, `/containers/*`, `/images/*`,
/// `/exec/*`).
enum DockerAPI {
    /// `GET /version`.
    struct Version: Decodable, Sendable {
        var Version: String?
        var ApiVersion: String
        var MinAPIVersion: String?
    }

    /// The body of every error answer: `{"message": "..."}`.
    struct ErrorMessage: Decodable, Sendable {
        var message: String
    }

    /// An empty JSON object (`ExposedPorts` values).
    struct Empty: Codable, Hashable, Sendable {}

    /// The answer of `POST /containers/create`.
    struct Created: Decodable, Sendable {
        var Id: String
        var Warnings: [String]?
    }

    /// `GET /containers/{id}/json`, the parts the agent reads.
    struct ContainerInspect: Decodable, Sendable {
        struct State: Decodable, Sendable {
            var Status: String?
            var Running: Bool
            var ExitCode: Int
            var OOMKilled: Bool
            var Error: String?
        }
        struct Config: Decodable, Sendable {
            var Tty: Bool?
            var Labels: [String: String]?
        }
        var Id: String
        var State: State
        var Config: Config?
    }

    /// One entry of `GET /containers/json`.
    struct ContainerSummary: Decodable, Sendable {
        var Id: String
        var Names: [String]?
        var Labels: [String: String]?
        var State: String?
    }

    /// The answer of `POST /containers/{id}/wait`.
    struct WaitResult: Decodable, Sendable {
        struct WaitError: Decodable, Sendable {
            var Message: String?
        }
        var StatusCode: Int
        var Error: WaitError?
    }

    /// One line of the progress stream of `POST /images/create`.
    struct PullProgress: Decodable, Sendable {
        struct ErrorDetail: Decodable, Sendable {
            var message: String?
        }
        var status: String?
        var id: String?
        var progress: String?
        var error: String?
        var errorDetail: ErrorDetail?
    }

    /// `POST /containers/{id}/exec`.
    struct ExecCreate: Encodable, Sendable {
        var AttachStdout = true
        var AttachStderr = true
        var Cmd: [String]
        var Env: [String]?
    }

    /// `POST /exec/{id}/start`.
    struct ExecStart: Encodable, Sendable {
        var Detach = false
        var Tty = false
    }

    /// The answer of `POST /containers/{id}/exec`.
    struct IdResponse: Decodable, Sendable {
        var Id: String
    }

    /// `GET /exec/{id}/json`.
    struct ExecInspect: Decodable, Sendable {
        var Running: Bool
        var ExitCode: Int?
        var Pid: Int?
    }
}

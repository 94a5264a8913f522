import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// A client of one Docker Engine over its unix socket (`/var/run/docker.sock`), speaking the API
/// version negotiated by ``connect(socketPath:)``: the engine's own, capped at ``maximumVersion``.
///
/// Requests that follow a container for its whole life (`wait`, `logs?follow=1`) have no deadline;
/// every other request is bounded by ``requestTimeout``. Errors are ``DockerEngineError``s carrying
/// the engine's own message.
final class DockerEngine: Sendable {
    /// The newest API version this client speaks.
    static let maximumVersion = APIVersion(major: 1, minor: 43)
    /// The oldest API version this client accepts (Docker 1.12).
    static let minimumVersion = APIVersion(major: 1, minor: 24)
    /// Deadline of a request that is not a stream.
    static let requestTimeout: TimeAmount = .seconds(60)

    /// A Docker API version (`1.41`).
    struct APIVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
        var major: Int
        var minor: Int

        init(major: Int, minor: Int) {
            self.major = major
            self.minor = minor
        }

        /// Parses `1.41`; nil for anything else.
        init?(_ text: String) {
            let parts = text.split(separator: ".")
            guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
            self.init(major: major, minor: minor)
        }

        static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
        var description: String { "\(major).\(minor)" }
    }

    /// HTTP methods the client uses.
    enum Method: Sendable { case get, post, delete }

    /// The engine's unix socket.
    let socketPath: String
    /// The API version every request uses.
    let version: APIVersion
    /// The engine's release (`20.10.24`), for logs.
    let engineVersion: String
    private let client: HTTPClient

    private init(socketPath: String, version: APIVersion, engineVersion: String, client: HTTPClient) {
        self.socketPath = socketPath
        self.version = version
        self.engineVersion = engineVersion
        self.client = client
    }

    deinit {
        // AsyncHTTPClient treats a client dropped without shutdown as a programming error.
        client.shutdown { _ in }
    }

    /// Connects to the engine at `socketPath` and negotiates the API version. Throws when nothing
    /// answers there or the engine is older than ``minimumVersion``.
    static func connect(socketPath: String) async throws(DockerEngineError) -> DockerEngine {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        // Every supervised container holds two long-running requests (wait, logs): the pool must
        // never make a request queue behind them.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 100_000
        configuration.connectionPool.idleTimeout = .seconds(30)
        // A socket nobody listens on must fail at once (the agent's start waits for this probe),
        // not be retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do throws(DockerEngineError) {
            let answer: DockerAPI.Version = try await Self.decode(
                await Self.send(client: client, socketPath: socketPath, .get, "/version", deadline: .now() + .seconds(10)))
            guard let offered = APIVersion(answer.ApiVersion) else {
                throw DockerEngineError(status: nil, message: "engine at \(socketPath) reports API version '\(answer.ApiVersion)'")
            }
            guard offered >= minimumVersion else {
                throw DockerEngineError(
                    status: nil,
                    message: "engine at \(socketPath) speaks API \(offered), older than the oldest supported (\(minimumVersion))")
            }
            return DockerEngine(
                socketPath: socketPath, version: min(offered, maximumVersion),
                engineVersion: answer.Version ?? "unknown", client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Closes the client; requests still running fail.
    func shutdown() async {
        try? await client.shutdown()
    }

    // MARK: - Requests

    /// Sends a request to `/v<version><path>` and returns the response once its head arrived.
    /// Answers 400 and above are turned into errors; `allowed` statuses pass as well (304).
    func send(
        _ method: Method, _ path: String, query: [(String, String)] = [], body: (any Encodable & Sendable)? = nil,
        deadline: NIODeadline? = nil
    ) async throws(DockerEngineError) -> HTTPClientResponse {
        try await Self.send(
            client: client, socketPath: socketPath, method, "/v\(version)" + path + Self.queryString(query), body: body,
            deadline: deadline ?? .now() + Self.requestTimeout)
    }

    /// Sends a request and decodes the JSON answer.
    func call<Answer: Decodable>(
        _ method: Method, _ path: String, query: [(String, String)] = [], body: (any Encodable & Sendable)? = nil,
        deadline: NIODeadline? = nil, as: Answer.Type = Answer.self
    ) async throws(DockerEngineError) -> Answer {
        try await Self.decode(await send(method, path, query: query, body: body, deadline: deadline))
    }

    /// Sends a request and discards the answer's body.
    func perform(
        _ method: Method, _ path: String, query: [(String, String)] = [], body: (any Encodable & Sendable)? = nil,
        deadline: NIODeadline? = nil
    ) async throws(DockerEngineError) {
        let response = try await send(method, path, query: query, body: body, deadline: deadline)
        do {
            for try await _ in response.body {}
        } catch {
            throw DockerEngineError(transport: error, socketPath: socketPath)
        }
    }

    private static func send(
        client: HTTPClient, socketPath: String, _ method: Method, _ uri: String,
        body: (any Encodable & Sendable)? = nil, deadline: NIODeadline
    ) async throws(DockerEngineError) -> HTTPClientResponse {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: uri) else {
            throw DockerEngineError(status: nil, message: "cannot form a request to \(socketPath)\(uri)")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        switch method {
        case .get: request.method = .GET
        case .post: request.method = .POST
        case .delete: request.method = .DELETE
        }
        request.headers.add(name: "User-Agent", value: "wharf-agent")
        // The socket path is no host name; the engine still wants a Host header (as the CLI sends).
        request.headers.replaceOrAdd(name: "Host", value: "docker")
        if let body {
            let data: Data
            do {
                data = try JSONEncoder().encode(body)
            } catch {
                throw DockerEngineError(status: nil, message: "cannot encode request body: \(error)")
            }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw DockerEngineError(transport: error, socketPath: socketPath)
        }
        let status = Int(response.status.code)
        guard status >= 400 else { return response }
        let text = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        let message = (try? JSONDecoder().decode(DockerAPI.ErrorMessage.self, from: Data(text.utf8)))?.message
            ?? (text.isEmpty ? "HTTP \(status)" : text.trimmingCharacters(in: .whitespacesAndNewlines))
        throw DockerEngineError(status: status, message: message)
    }

    private static func decode<Answer: Decodable>(
        _ response: HTTPClientResponse
    ) async throws(DockerEngineError) -> Answer {
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw DockerEngineError(status: nil, message: "reading the engine's answer failed: \(error)")
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(buffer.readableBytesView))
        } catch {
            throw DockerEngineError(status: nil, message: "unexpected answer from the engine: \(error)")
        }
    }

    /// `?a=1&b=2`, every value percent-encoded; empty for no parameters.
    static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "?" + query.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }

    /// `path` component with every character outside `[A-Za-z0-9-._~]` percent-encoded.
    static func pathComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// A failed Docker Engine request: the engine's status and message, or (status nil) why the
/// engine could not be reached or understood.
struct DockerEngineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The HTTP status the engine answered with; nil when it did not answer.
    var status: Int?
    /// The engine's `message`, or what went wrong on the way.
    var message: String

    init(status: Int?, message: String) {
        self.status = status
        self.message = message
    }

    init(transport error: any Error, socketPath: String) {
        self.init(status: nil, message: "Docker engine at \(socketPath) unreachable: \(error)")
    }

    /// Whether the engine answered 404 (no such container, image or exec instance).
    var isNotFound: Bool { status == 404 }
    /// Whether the engine did not answer at all (down, restarting, socket gone).
    var isUnreachable: Bool { status == nil }

    var description: String { message }
}

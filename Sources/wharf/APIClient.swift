import AsyncHTTPClient
import Foundation

/// A response of the Marathon API: status, the headers the CLI reads, and the raw body.
struct APIResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: Data

    /// The body parsed as JSON (nil when empty or not JSON).
    var json: JSON? { JSON(data: body) }

    /// The first value of header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as text, ending with one newline, for `--json` output.
    var bodyText: String {
        let text = String(decoding: body, as: UTF8.self)
        return text.hasSuffix("\n") ? text : text + "\n"
    }
}

/// Talks to a Wharf server's Marathon REST API with AsyncHTTPClient. Error statuses become
/// `CLIError.server` with the server's `message` and `details`; transport failures `CLIError.cannotConnect`.
final class APIClient: Sendable {
    let baseURL: String
    private let http: HTTPClient

    private init(baseURL: String) {
        self.baseURL = baseURL
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5))
        // Fail at once when nothing listens, instead of retrying until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs `body` with a client for `options.baseURL` and shuts the client down afterwards.
    static func with<T>(_ options: ClientOptions, _ body: (APIClient) async throws -> T) async throws -> T {
        let client = APIClient(baseURL: options.baseURL)
        do {
            let result = try await body(client)
            try? await client.http.shutdown()
            return result
        } catch {
            try? await client.http.shutdown()
            throw error
        }
    }

    /// Sends one request and returns the response whatever its status.
    func send(
        _ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        timeoutSeconds: Int64 = 60
    ) async throws -> APIResponse {
        let request = makeRequest(method, path, query: query, body: body, accept: "application/json")
        do {
            let response = try await http.execute(request, timeout: .seconds(timeoutSeconds))
            var data = Data()
            for try await chunk in response.body {
                data.append(contentsOf: chunk.readableBytesView)
            }
            return APIResponse(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: data
            )
        } catch {
            throw CLIError.cannotConnect(url: baseURL, reason: Self.describe(error))
        }
    }

    /// Sends a request and throws `CLIError.server` unless the status is 2xx.
    func call(
        _ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil
    ) async throws -> APIResponse {
        let response = try await send(method, path, query: query, body: body)
        guard (200..<300).contains(response.status) else { throw Self.serverError(response) }
        return response
    }

    /// Opens `GET path` as a Server-Sent Events stream and hands each complete event to `onEvent`
    /// until the server closes the stream.
    func streamEvents(
        _ path: String, query: [(String, String)], onEvent: (ServerSentEvent) throws -> Void
    ) async throws {
        let request = makeRequest("GET", path, query: query, body: nil, accept: "text/event-stream")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .hours(24 * 365))
        } catch {
            throw CLIError.cannotConnect(url: baseURL, reason: Self.describe(error))
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            var data = Data()
            for try await chunk in response.body { data.append(contentsOf: chunk.readableBytesView) }
            throw Self.serverError(APIResponse(status: Int(response.status.code), headers: [], body: data))
        }
        var parser = ServerSentEventParser()
        do {
            for try await chunk in response.body {
                for event in parser.feed(Array(chunk.readableBytesView)) { try onEvent(event) }
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError.cannotConnect(url: baseURL, reason: "event stream broke: \(Self.describe(error))")
        }
    }

    /// Opens `GET path` and returns the response as it starts, its body still to be read (a task's
    /// output, followed for as long as the server sends it).
    func open(_ path: String, query: [(String, String)], accept: String = "text/plain") async throws -> HTTPClientResponse {
        let request = makeRequest("GET", path, query: query, body: nil, accept: accept)
        do {
            return try await http.execute(request, timeout: .hours(24 * 365))
        } catch {
            throw CLIError.cannotConnect(url: baseURL, reason: Self.describe(error))
        }
    }

    /// Reads the rest of an error response opened with ``open(_:query:accept:)`` into its `CLIError`.
    static func serverError(_ response: HTTPClientResponse) async -> CLIError {
        var data = Data()
        do {
            for try await chunk in response.body { data.append(contentsOf: chunk.readableBytesView) }
        } catch {
            // What arrived is the message, if anything.
        }
        return serverError(APIResponse(status: Int(response.status.code), headers: [], body: data))
    }

    /// Path of an app (or group) id under a collection: `/v2/apps` + `/shop/web`.
    static func path(_ collection: String, id: String, _ suffix: String = "") -> String {
        let trimmed = id.split(separator: "/").joined(separator: "/")
        return collection + "/" + trimmed + suffix
    }

    private func makeRequest(
        _ method: String, _ path: String, query: [(String, String)], body: Data?, accept: String
    ) -> HTTPClientRequest {
        var url = baseURL + path
        if !query.isEmpty {
            var components = URLComponents()
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            url += "?" + (components.percentEncodedQuery ?? "")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "wharf-cli")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(body))
        }
        return request
    }

    /// The `CLIError` for an error response, with the server's `message` and `details`.
    static func serverError(_ response: APIResponse) -> CLIError {
        let json = response.json
        let fallback = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = json?["message"]?.string ?? (fallback.isEmpty ? "the server answered \(response.status)" : fallback)
        return .server(status: response.status, message: message, details: json?["details"])
    }

    /// A transport failure in a few words ("connection refused", "connect timed out").
    static func describe(_ error: Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") {
            return "connection refused"
        }
        if text.contains("connectTimeout") { return "connect timed out" }
        return text
    }
}

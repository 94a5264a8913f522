import AsyncHTTPClient
import NIOCore

/// The agent's HTTP(S) client for health and readiness checks: one AsyncHTTPClient shared by every
/// check of every task, configured as Marathon's checks behave: TLS certificates are not verified
/// (tasks serve self-signed ones), redirects are not followed (a 3xx is an answer), every request
/// has a hard deadline and closes its connection (no idle connections to tasks between checks).
final class HTTPProbe: Sendable {
    /// The part of a response a check looks at.
    struct Response: Hashable, Sendable {
        var status: Int
        var contentType: String
        /// The first `bodyLimit` bytes of the body, as UTF-8 (invalid sequences replaced).
        var body: String
    }

    private let client: HTTPClient

    init() {
        let configuration = HTTPClient.Configuration(
            certificateVerification: .none, redirectConfiguration: .disallow,
            maximumAllowedIdleTimeInConnectionPool: .seconds(1))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit {
        // An agent dropped without `shutdown()` (tests) must not leave the client running, which
        // AsyncHTTPClient treats as a programming error. Shutting down twice only reports an error.
        client.shutdown { _ in }
    }

    /// Closes the client; requests still running fail.
    func shutdown() async {
        try? await client.shutdown()
    }

    /// `GET url`, answered within `timeout` (connection, response head and the body read included).
    /// Reads at most `bodyLimit` bytes of the body. Throws ``ProbeFailure``.
    func get(_ url: String, timeout: Duration, bodyLimit: Int = 0) async throws(ProbeFailure) -> Response {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Connection", value: "close")
        request.headers.add(name: "User-Agent", value: "wharf-agent")
        do {
            let response = try await client.execute(request, deadline: .now() + TimeAmount(timeout))
            var body = ByteBuffer()
            if bodyLimit > 0 {
                for try await chunk in response.body {
                    var chunk = chunk
                    if let part = chunk.readSlice(length: min(chunk.readableBytes, bodyLimit - body.readableBytes)) {
                        body.writeImmutableBuffer(part)
                    }
                    if body.readableBytes >= bodyLimit { break }
                }
            }
            return Response(
                status: Int(response.status.code),
                contentType: response.headers.first(name: "Content-Type") ?? "",
                body: String(buffer: body))
        } catch {
            throw ProbeFailure.describing(error, timeout: timeout)
        }
    }

    /// `http(s)://host:port/path`, with IPv6 literals in brackets and `path` given a leading `/`.
    static func url(secure: Bool, host: String, port: Int, path: String) -> String {
        let host = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let path = path.hasPrefix("/") ? path : "/" + path
        return "\(secure ? "https" : "http")://\(host):\(port)\(path)"
    }
}

extension TimeAmount {
    /// The same span as a NIO time amount.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

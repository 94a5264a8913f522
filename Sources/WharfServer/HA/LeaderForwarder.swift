import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Forwards one API request to the leader and streams the leader's answer back (Marathon's
/// `AsyncUrlConnectionRequestForwarder`), over one pooled HTTP client.
///
/// The request body is streamed to the leader as it arrives and the answer is passed on chunk by
/// chunk, never buffered: event streams and blocking queries go through live and end when either
/// side ends. Connecting is bounded by the configured timeout, reading is not. A client that
/// leaves cancels the request to the leader (`ClientConnectionWatch`).
final class LeaderForwarder: Sendable {
    /// Marathon's answers (`RequestForwarder.scala`).
    static let loopMessage = "Detected proxying loop."
    static let refusedMessage = "Connection to leader refused."
    static let timedOutMessage = "Connection to leader timed out."
    static let failedMessage = "Failed to successfully establish a connection to the leader."
    static let shuttingDownMessage = "This server is shutting down: send the request to another server"

    private let client: HTTPClient
    private let logger: Logger
    private let isShutDown = LockedValue(false)

    init(configuration: LeaderProxyConfiguration, logger: Logger) {
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(configuration.connectTimeout), read: nil),
            connectionPool: .init(idleTimeout: .seconds(60),
                                  concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections),
            decompression: .disabled)
        // A leader that refuses connections is answered at once with 502, as Marathon does, rather
        // than retried until the connect timeout.
        http.connectionPool.retryConnectionEstablishment = false
        http.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        self.logger = logger
    }

    /// Closes the pooled connections and fails requests still in flight. Calling it again does nothing.
    func shutdown() async throws {
        guard isShutDown.withLock({ done in defer { done = true }; return !done }) else { return }
        try await client.shutdown()
    }

    /// Sends `request` to the leader at `leader` (`host:port`) on behalf of this server (`me`) and
    /// answers with the leader's answer, or 502 with Marathon's message when the request went
    /// through this server already or the leader cannot be reached.
    ///
    /// `stillLeader` is asked every 100 ms until the leader's answer starts: once it says no (another
    /// server was elected, e.g. because the one forwarded to is paused), the request is abandoned
    /// with 503 rather than left hanging on a server that may never answer.
    func forward(_ request: Request, context: APIRequestContext, to leader: String, me: String,
                 stillLeader: @escaping @Sendable () -> Bool = { true }) async -> Response {
        if ProxyHeaders.isLoop(request.headers, me: me) {
            logger.error("not forwarding a request that went through this server already (a proxying loop)",
                         metadata: ["leader": "\(leader)", "path": "\(request.uri.path)",
                                    "via": "\(request.headers[values: ProxyHeaders.via].joined(separator: ", "))"])
            return Self.error(502, Self.loopMessage)
        }
        var outgoing = HTTPClientRequest(url: "http://\(leader)\(Self.target(of: request))")
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        outgoing.headers = ProxyHeaders.forwardedRequest(request.headers, me: me,
                                                         clientAddress: context.remoteAddress?.ipAddress)
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > 0 {
            outgoing.body = .stream(request.body, length: .known(length))
        } else if request.headers[.transferEncoding] != nil {
            outgoing.body = .stream(request.body, length: .unknown)
        }

        let watch = await ClientConnectionWatch.install(on: context.channel)
        let upstream: HTTPClientResponse
        do {
            let client = self.client, logger = self.logger, sent = outgoing
            // Reads may be cut at shutdown (the client retries elsewhere); a write runs to its end.
            let isRead = request.method == .get || request.method == .head
            upstream = try await watch.run(endsOnShutdown: isRead) {
                try await withThrowingTaskGroup(of: HTTPClientResponse?.self) { group in
                    group.addTask { try await client.execute(sent, deadline: .distantFuture, logger: logger) }
                    group.addTask {
                        while stillLeader() { try await Task.sleep(for: .milliseconds(100)) }
                        return nil
                    }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    guard let first else { throw LeaderChanged() }
                    return first
                }
            }
        } catch {
            watch.remove()
            return answer(to: error, leader: leader, path: request.uri.path)
        }
        return relay(upstream, me: me, watch: watch)
    }

    /// The client's answer: the leader's status and headers, and its body streamed as it comes.
    private func relay(_ upstream: HTTPClientResponse, me: String, watch: ClientConnectionWatch) -> Response {
        // A sized answer is finished even at shutdown; a stream (no length) ends there cleanly.
        let isStream = !upstream.headers.contains(name: "content-length")
        let source = upstream.body
        let logger = self.logger
        let body = ResponseBody { writer in
            defer { watch.remove() }
            let handle = WriterHandle(writer: writer)
            do {
                try await watch.run(endsOnShutdown: isStream) {
                    var writer = handle.writer
                    for try await chunk in source { try await writer.write(chunk) }
                }
            } catch ClientConnectionWatch.Interruption.shutdown {
                // Ended as the leader's own streams end at shutdown: the client reconnects elsewhere.
            } catch {
                // The client left or the leader's answer broke off: the client's connection is
                // closed, so that it sees the answer incomplete.
                logger.debug("forwarded answer ended early", metadata: ["error": "\(error)"])
                throw error
            }
            try await writer.finish(nil)
        }
        let status = HTTPResponse.Status(code: Int(upstream.status.code), reasonPhrase: upstream.status.reasonPhrase)
        return Response(status: status, headers: ProxyHeaders.returnedResponse(upstream.headers, me: me), body: body)
    }

    /// The answer when no answer came from the leader.
    private func answer(to error: any Error, leader: String, path: String) -> Response {
        switch error {
        case ClientConnectionWatch.Interruption.shutdown:
            return Self.error(503, Self.shuttingDownMessage)
        case is LeaderChanged:
            logger.warning("the leader changed before it answered a forwarded request; abandoned",
                           metadata: ["leader": "\(leader)", "path": "\(path)"])
            return Self.error(503, Self.leaderChangedMessage)
        case ClientConnectionWatch.Interruption.clientLeft:
            // Nobody reads this: the client has gone.
            logger.debug("client left before the leader answered; request to the leader cancelled",
                         metadata: ["leader": "\(leader)", "path": "\(path)"])
            return Self.error(502, Self.failedMessage)
        default:
            let message = Self.message(for: error)
            logger.error("\(message)", metadata: ["leader": "\(leader)", "path": "\(path)", "error": "\(error)"])
            return Self.error(502, message)
        }
    }

    /// Path and query as the request named them (origin form, as clients send them; an absolute
    /// URI is reduced to its path and query).
    static func target(of request: Request) -> String {
        let raw = request.uri.description
        if raw.hasPrefix("/") { return raw }
        return request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
    }

    /// Wharf's message for a forwarded request abandoned because another server was elected.
    static let leaderChangedMessage =
        "The leader changed before it answered; the request may or may not have been applied there. Retry: it goes to the new leader."

    /// Marathon's message for a request the leader did not answer.
    static func message(for error: any Error) -> String {
        if let error = error as? HTTPClientError {
            return error == .connectTimeout || error == .getConnectionFromPoolTimeout ? timedOutMessage : failedMessage
        }
        if case .connectTimeout? = error as? ChannelError { return timedOutMessage }
        return refusedMessage
    }

    static func error(_ status: Int, _ message: String) -> Response {
        MarathonResponse.error(MarathonHTTPError(status: status, message: message))
    }
}

/// Hands the client's body writer to the task `ClientConnectionWatch.run` starts.
///
/// `@unchecked Sendable` is safe: the body closure awaits that task before it uses its own copy
/// of the writer again, so one task at a time writes.
private struct WriterHandle: @unchecked Sendable {
    let writer: any ResponseBodyWriter
}

/// Another server was elected while a forwarded request waited for the previous leader's answer.
struct LeaderChanged: Error {}

import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A client of etcd's v3 API through its JSON gateway (`POST /v3/...`), over AsyncHTTPClient.
///
/// The gateway was chosen over gRPC because it needs no generated code and works with every etcd
/// from 3.4 on. Its conventions (base64 bytes, int64 as strings, omitted default values) are handled
/// in `Gateway/`; callers see plain Swift values.
///
/// Endpoints are tried in turn. A request goes to the endpoint that last answered; when that one
/// cannot be reached the next is tried, and the one that answers is remembered. Reads, lease
/// keepalives and revocations are also retried on the next endpoint after a timeout. A write
/// (put, delete, write transaction, lease grant) is retried elsewhere only when its connection could
/// not be established: once it may have reached etcd its outcome is unknown, and the client reports
/// `EtcdError.unavailable` saying so instead of applying it twice.
public final class EtcdClient: Sendable {
    /// The client URLs, e.g. `http://127.0.0.1:2379`, in the order they are tried.
    public let endpoints: [String]
    /// How long one request may take on one endpoint before the next is tried.
    public let requestTimeout: Duration
    let logger: Logger
    let http: HTTPClient
    /// Index into `endpoints` of the endpoint that answered last.
    private let preferredEndpoint = NIOLockedValueBox(0)

    /// The largest answer accepted (a page of a range; etcd itself sends at most ~2 MiB per value).
    static let maxResponseBytes = 512 * 1024 * 1024

    /// Creates a client; it connects lazily, on the first request.
    ///
    /// - Parameters:
    ///   - endpoints: Client URLs of the etcd members (`http://host:port`), tried in this order.
    ///   - logger: Receives endpoint changes and failures.
    ///   - requestTimeout: The time one request may take on one endpoint (connecting included).
    public init(endpoints: [String], logger: Logger, requestTimeout: Duration = .seconds(5)) {
        self.endpoints = endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.logger = logger
        self.requestTimeout = requestTimeout
        var configuration = HTTPClient.Configuration()
        let connectTimeout = min(requestTimeout, .seconds(2))
        configuration.timeout = .init(connect: .nanoseconds(connectTimeout.nanoseconds))
        // A failed connection attempt must fail the request at once so that the next endpoint is tried.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .http1Only
        configuration.redirectConfiguration = .disallow
        self.http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// Closes every connection; the client must not be used afterwards. Call it exactly once.
    public func shutdown() async {
        do {
            try await http.shutdown()
        } catch {
            logger.warning("etcd client did not shut down cleanly: \(error)")
        }
    }

    /// The endpoint requests go to first (the one that answered last).
    public var currentEndpoint: String? {
        endpoints.isEmpty ? nil : endpoints[preferredEndpoint.withLockedValue { $0 } % endpoints.count]
    }

    // MARK: - Unary requests

    /// Whether a request may be sent again to another endpoint after it may have reached etcd.
    enum Retry {
        /// Reads and idempotent requests: retried after any transport failure.
        case always
        /// Writes: retried only when the connection could not be established.
        case onlyUnsent
    }

    /// POSTs `body` to `path`, trying the endpoints in turn, and returns etcd's answer; etcd's error
    /// answers are thrown as `EtcdError`.
    /// With `only`, exactly that endpoint is asked.
    func call(_ path: String, _ body: [String: Any], retry: Retry, only: String? = nil, timeout: Duration? = nil) async throws -> GatewayJSON {
        let data = try GatewayEncoding.data(body)
        let endpoints = only.map { [$0] } ?? self.endpoints
        guard !endpoints.isEmpty else { throw EtcdError.unavailable("no etcd endpoints are configured") }
        let start = only == nil ? preferredEndpoint.withLockedValue { $0 } : 0
        var failures: [String] = []
        for attempt in 0..<endpoints.count {
            let index = (start + attempt) % endpoints.count
            let endpoint = endpoints[index]
            let answer: GatewayJSON
            do {
                answer = try await post(endpoint: endpoint, path: path, body: data, timeout: timeout ?? requestTimeout)
            } catch let failure as TransportFailure {
                if !failure.notSent, retry == .onlyUnsent {
                    throw EtcdError.unavailable(
                        "\(endpoint)\(path): \(failure.reason) after the request was sent; it may or may not have been applied (read the keys to find out)"
                    )
                }
                failures.append("\(endpoint): \(failure.reason)")
                logger.debug("etcd endpoint failed", metadata: ["endpoint": "\(endpoint)", "error": "\(failure.reason)"])
                continue
            }
            if let (code, message) = try answer.gatewayError() {
                // Unavailable (no leader, leader changed, timed out): another member may do better.
                if code == 14 {
                    if retry == .onlyUnsent {
                        throw EtcdError.unavailable("\(endpoint)\(path): \(message); the write may or may not have been applied")
                    }
                    failures.append("\(endpoint): \(message)")
                    continue
                }
                throw Self.error(code: code, message: message)
            }
            if attempt > 0, only == nil {
                preferredEndpoint.withLockedValue { $0 = index }
                logger.info("etcd endpoint changed", metadata: ["endpoint": "\(endpoint)"])
            }
            return answer
        }
        throw EtcdError.unavailable("no etcd endpoint answered (\(failures.joined(separator: "; ")))")
    }

    /// The `EtcdError` for an error answer of the gateway.
    static func error(code: Int, message: String) -> EtcdError {
        if message.contains("too many operations in txn request") { return .tooManyOperations }
        if message.contains("request is too large") || (code == 8 && message.contains("larger than max")) {
            return .requestTooLarge
        }
        return .server(code: code, message: message)
    }

    /// A request that failed below HTTP: `notSent` when no connection was established.
    struct TransportFailure: Error {
        var notSent: Bool
        var reason: String
    }

    private func post(endpoint: String, path: String, body: Data, timeout: Duration) async throws -> GatewayJSON {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let prepared = request
        let http = self.http
        let data: Data
        do {
            data = try await withThrowingTaskGroup(of: Data?.self) { group in
                group.addTask {
                    let response = try await http.execute(prepared, timeout: .nanoseconds(timeout.nanoseconds))
                    let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
                    return Data(buffer.readableBytesView)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let first else {
                    throw TransportFailure(notSent: false, reason: "no answer within \(timeout)")
                }
                return first
            }
        } catch let failure as TransportFailure {
            throw failure
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw Self.classify(error)
        }
        return try GatewayJSON(data: data)
    }

    /// Whether a transport error happened before the request could have been sent.
    static func classify(_ error: any Error) -> TransportFailure {
        let reason = String(describing: error)
        if let http = error as? HTTPClientError,
           http == .connectTimeout || http == .getConnectionFromPoolTimeout {
            return TransportFailure(notSent: true, reason: reason)
        }
        if error is NIOConnectionError { return TransportFailure(notSent: true, reason: reason) }
        if let channel = error as? ChannelError, case .connectTimeout = channel {
            return TransportFailure(notSent: true, reason: reason)
        }
        if let io = error as? IOError,
           [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL].contains(io.errnoCode) {
            return TransportFailure(notSent: true, reason: reason)
        }
        return TransportFailure(notSent: false, reason: reason)
    }
}

extension Duration {
    /// The duration in whole nanoseconds (for NIO's `TimeAmount`).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
@testable import WharfServer

/// One API listener of a cluster server on 127.0.0.1 and a port the system picked: a
/// `LeaderProxyResponder` whose leadership view the test sets, served by `makeHAAPIApplication`.
final class ProxyNode: Sendable {
    let proxy: LeaderProxyResponder
    let port: Int
    let abdications: LockedValue<Int>
    private let view: LockedValue<LeaderView>
    private let group: ServiceGroup
    private let runner: Task<Void, Error>

    var address: String { "127.0.0.1:\(port)" }

    private init(proxy: LeaderProxyResponder, port: Int, abdications: LockedValue<Int>, view: LockedValue<LeaderView>,
                 group: ServiceGroup, runner: Task<Void, Error>) {
        self.proxy = proxy
        self.port = port
        self.abdications = abdications
        self.view = view
        self.group = group
        self.runner = runner
    }

    static func start(configuration: LeaderProxyConfiguration = .init(abdicationDelay: .milliseconds(20))) async throws -> ProxyNode {
        let view = LockedValue(LeaderView(isLeader: false, myAPIAddress: "127.0.0.1:0"))
        let abdications = LockedValue(0)
        var logger = Logger(label: "wharf.proxy.test")
        logger.logLevel = ProcessInfo.processInfo.environment["PROXY_TEST_LOG"] == nil ? .critical : .debug
        let proxy = LeaderProxyResponder(
            configuration: configuration, view: { view.withLock { $0 } },
            abdicate: {
                abdications.withLock { $0 += 1 }
                return true
            }, logger: logger)
        let (ports, listening) = AsyncStream<Int>.makeStream()
        let app = WharfDev.makeHAAPIApplication(proxy: proxy, bind: "127.0.0.1", port: 0, logger: logger,
                                                onListening: { listening.yield($0) })
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let runner = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        view.withLock { $0.myAPIAddress = "127.0.0.1:\(port)" }
        return ProxyNode(proxy: proxy, port: port, abdications: abdications, view: view, group: group, runner: runner)
    }

    /// Leads, answering with `local` (nil: elected but not serving yet).
    func lead(with local: (any HTTPResponder<APIRequestContext>)?) {
        proxy.setLocal(local)
        view.withLock {
            $0.isLeader = true
            $0.leaderAPIAddress = $0.myAPIAddress
        }
    }

    /// Follows `leader` (an address, or none while undecided).
    func follow(_ leader: String?) {
        proxy.setLocal(nil)
        view.withLock {
            $0.isLeader = false
            $0.leaderAPIAddress = leader
        }
    }

    /// Stops the listener gracefully (streams through it end) and waits for it.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await runner.value
    }
}

/// The answer to one request, read whole.
struct ProxyReply {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var message: String? {
        (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["message"] as? String
    }
}

extension HTTPClient {
    /// A client that shows redirects rather than following them.
    /// One client for every proxy test, never shut down: a client dropped without `shutdown()`
    /// (a test that throws half-way) would stop the whole test process in debug builds.
    static func proxyTestClient() -> HTTPClient { sharedProxyTestClient }

    private static let sharedProxyTestClient =
        HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// Sends `method path` to `node` and reads the whole answer.
    func send(_ method: NIOHTTP1.HTTPMethod, _ path: String, to node: ProxyNode, body: [UInt8]? = nil,
              headers: [(String, String)] = [], timeout: TimeAmount = .seconds(20)) async throws -> ProxyReply {
        var request = HTTPClientRequest(url: "http://\(node.address)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return ProxyReply(status: Int(response.status.code), headers: response.headers,
                          body: Array(bytes.readableBytesView))
    }
}

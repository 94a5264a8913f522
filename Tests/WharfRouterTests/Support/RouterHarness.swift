import Foundation
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import WharfRouter

/// A running router on 127.0.0.1 with a free port, and an HTTP client for it.
struct RouterHarness {
    let router: EdgeRouter
    let port: Int
    let client: HTTPClient

    /// Starts a router, runs `body`, then stops everything.
    static func with<T>(
        _ table: RouteTable,
        configuration: RouterConfiguration = RouterConfiguration(bindAddress: "127.0.0.1", httpPort: 0),
        onListenerStatus: (@Sendable (String, Int, String?) -> Void)? = nil,
        metrics: RouterMetrics? = nil,
        _ body: (RouterHarness) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "wharf.router.test")
        logger.logLevel = ProcessInfo.processInfo.environment["ROUTER_TEST_LOG"] == nil ? .critical : .trace
        let router = EdgeRouter(configuration: configuration, logger: logger, metrics: metrics)
        if let onListenerStatus { router.onListenerStatus(onListenerStatus) }
        router.update(table)
        let task = Task { try await router.run() }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let port = try await router.httpPort()
            let result = try await body(RouterHarness(router: router, port: port, client: client))
            try? await client.shutdown()
            task.cancel()
            _ = try? await task.value
            return result
        } catch {
            try? await client.shutdown()
            task.cancel()
            _ = try? await task.value
            throw error
        }
    }

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: String
    }

    /// Sends a request through the router and collects the whole response.
    func get(_ path: String, host: String = "a.test", method: HTTPMethod = .GET, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.port)\(path)")
        request.method = method
        request.headers.replaceOrAdd(name: "Host", value: host)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await self.client.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }
}

/// A port nobody listens on (bound and closed at once).
func refusedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 1
    try await channel.close()
    return port
}

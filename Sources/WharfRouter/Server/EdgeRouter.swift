import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The edge router: an HTTP/1.1 reverse proxy (routing by Host and path prefix) and a TCP proxy
/// (one listener per TCP route), both over a route table that can be swapped at any time.
/// Run it as a swift-service-lifecycle `Service`.
public final class EdgeRouter: Service, Sendable {
    private let environment: ProxyEnvironment
    private let group: MultiThreadedEventLoopGroup
    private let tcpListeners: TCPListeners
    private let portPromise: EventLoopPromise<Int>
    private let statusHandler = NIOLockedValueBox<(@Sendable (String, Int, String?) -> Void)?>(nil)
    private let running = NIOLockedValueBox(false)

    /// Creates a router; nothing is bound until `run()`. With `metrics`, requests are counted per
    /// service into its registry (`MetricFamilies`' router families).
    public init(configuration: RouterConfiguration, logger: Logger, metrics: RouterMetrics? = nil) {
        let group = MultiThreadedEventLoopGroup.singleton
        self.group = group
        self.environment = ProxyEnvironment(
            configuration: configuration,
            store: RouteStore(),
            logger: logger,
            loops: LoopContexts(group: group, maxIdlePerBackend: configuration.maxIdleBackendConnectionsPerBackend),
            metrics: metrics
        )
        self.portPromise = group.next().makePromise(of: Int.self)
        let statusHandler = self.statusHandler
        self.tcpListeners = TCPListeners(environment: self.environment, group: group) { name, port, error in
            statusHandler.withLockedValue { $0 }?(name, port, error)
        }
        let loops = self.environment.loops
        metrics?.follow { Self.sum(loops) }
    }

    deinit {
        self.portPromise.fail(CancellationError())
    }

    /// Atomically replaces the route table. Non-blocking, callable from any thread, idempotent.
    /// New requests use it at once; requests and connections in flight keep their backend. TCP
    /// listeners are opened for new ports (failed ones are retried) and closed for removed ones,
    /// and pooled idle connections to backends no longer in any route are closed.
    public func update(_ table: RouteTable) {
        let replacement = self.environment.store.replace(with: table)
        if let replacement {
            self.environment.metrics?.retain(Set(table.http.map(\.name) + table.tcp.map(\.name)))
            self.environment.logger.debug(
                "route table updated",
                metadata: ["version": "\(table.version)", "http": "\(table.http.count)", "tcp": "\(table.tcp.count)"]
            )
            let released = replacement.released
            if !released.isEmpty {
                for loop in self.environment.loops.all {
                    loop.eventLoop.execute { loop.pool.prune(removing: released) }
                }
            }
        }
        if self.running.withLockedValue({ $0 }) {
            self.tcpListeners.reconcile(replacement?.compiled ?? self.environment.store.current)
        }
    }

    /// The current table.
    public var table: RouteTable {
        self.environment.store.current.table
    }

    /// A snapshot of the counters, summed over event loops.
    public var stats: RouterStats {
        Self.sum(self.environment.loops)
    }

    private static func sum(_ loops: LoopContexts) -> RouterStats {
        loops.all.reduce(RouterStats()) { sum, loop in
            sum + loop.stats.withLockedValue { $0 }
        }
    }

    /// Sets the callback for TCP listener status: `(routeName, port, errorMessage)`, with a nil
    /// message when the listener is bound (again). Called from any thread. Set before `run()`.
    public func onListenerStatus(_ handler: @escaping @Sendable (String, Int, String?) -> Void) {
        self.statusHandler.withLockedValue { $0 = handler }
    }

    /// The bound HTTP port once listening (useful with `httpPort` 0); waits until bound and
    /// throws if binding failed.
    public func httpPort() async throws -> Int {
        try await self.portPromise.futureResult.get()
    }

    /// Binds the HTTP listener (throwing if it cannot), opens TCP route listeners, and serves
    /// until graceful shutdown or cancellation; then stops listening and closes idle backend
    /// connections. Connections in flight are left to finish.
    public func run() async throws {
        let configuration = self.environment.configuration
        let environment = self.environment
        let server: any Channel
        do {
            server = try await ServerBootstrap(group: self.group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard let loop = environment.loops.context(for: channel.eventLoop) else {
                            throw ChannelError.ioOnClosedChannel
                        }
                        loop.count { $0.activeClientConnections += 1 }
                        channel.closeFuture.whenComplete { _ in
                            loop.count { $0.activeClientConnections -= 1 }
                        }
                        try HTTPProxyHandler.install(on: channel, environment: environment, loop: loop)
                    }
                }
                .bind(host: configuration.bindAddress, port: configuration.httpPort)
                .get()
        } catch {
            environment.logger.error(
                "cannot bind HTTP listener",
                metadata: ["address": "\(configuration.bindAddress):\(configuration.httpPort)", "error": "\(error)"]
            )
            self.portPromise.fail(error)
            throw error
        }
        let port = server.localAddress?.port ?? configuration.httpPort
        environment.logger.info("edge router listening", metadata: ["address": "\(configuration.bindAddress):\(port)"])
        self.portPromise.succeed(port)
        self.running.withLockedValue { $0 = true }
        self.tcpListeners.reconcile(environment.store.current)

        try? await gracefulShutdown()

        environment.logger.info("edge router stopping")
        self.running.withLockedValue { $0 = false }
        self.tcpListeners.stop()
        try? await server.close()
        for loop in environment.loops.all {
            loop.eventLoop.execute { loop.pool.closeAll() }
        }
    }
}

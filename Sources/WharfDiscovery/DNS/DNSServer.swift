import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import WharfMetrics
import Synchronization

/// Wharf's Consul-compatible DNS server: UDP and TCP on the same port, answering from the live
/// catalog until graceful shutdown. Queries are answered on the event loop that read them (a lock
/// and a copy to read the snapshot, no task hops), so a packet costs microseconds.
public final class DNSServer: Service, Sendable {
    /// Why the server could not start.
    public enum StartError: Error, CustomStringConvertible {
        /// TCP could not bind the free port UDP got, after several tries.
        case noCommonPort(attempts: Int)

        /// What went wrong, for the log.
        public var description: String {
            switch self {
            case .noCommonPort(let attempts):
                "DNS: found no port free for both UDP and TCP in \(attempts) attempts"
            }
        }
    }

    private enum PortState {
        case waiting([CheckedContinuation<Int, any Error>])
        case bound(Int)
        case failed(any Error)
    }

    private let configuration: DNSConfiguration
    private let catalog: Catalog
    private let logger: Logger
    private let resolver: DNSResolver
    /// One set of counters per UDP listener and one for TCP, so that event loops do not contend
    /// for the same cache line; `stats` adds them up.
    private let counters: [DNSCounters]
    private let connections = DNSConnections()
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let port = Mutex(PortState.waiting([]))

    /// A server answering from `catalog` as `configuration` says; it listens once `run()` runs.
    /// With `metrics`, queries are counted by type and response code into it.
    public init(configuration: DNSConfiguration, catalog: Catalog, logger: Logger, metrics: MetricsRegistry? = nil) {
        self.configuration = configuration
        self.catalog = catalog
        self.logger = logger
        self.resolver = DNSResolver(configuration: configuration)
        self.counters = (0 ... max(1, configuration.udpListeners)).map { _ in DNSCounters(metrics: metrics.map(DNSMetrics.init)) }
    }

    /// Counters since start.
    public var stats: DNSStats { counters.reduce(DNSStats()) { $0 + $1.stats } }

    /// The port UDP and TCP listen on, once they do (useful with port 0); throws when binding
    /// failed. Waits for `run()` to bind.
    public func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<Int, any Error>? = port.withLock { state in
                switch state {
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                case .bound(let port): return .success(port)
                case .failed(let error): return .failure(error)
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// Listens until graceful shutdown (or cancellation), then closes the listeners and every
    /// open TCP connection.
    public func run() async throws {
        let channels: (udp: [any Channel], tcp: any Channel)
        do {
            channels = try await bind()
        } catch {
            settle(.failure(error))
            logger.error("DNS server could not listen", metadata: ["address": "\(configuration.bindAddress)",
                                                                  "port": "\(configuration.port)", "error": "\(error)"])
            throw error
        }
        let bound = channels.tcp.localAddress?.port ?? configuration.port
        settle(.success(bound))
        logger.info("DNS server listening", metadata: ["address": "\(configuration.bindAddress)", "port": "\(bound)",
                                                       "domains": "\(([configuration.domain] + configuration.extraDomains).joined(separator: ","))"])
        try? await gracefulShutdown()
        for channel in channels.udp { try? await channel.close() }
        try? await channels.tcp.close()
        await connections.closeAll()
        logger.info("DNS server stopped", metadata: ["port": "\(bound)"])
    }

    /// Binds UDP, then TCP on the same port. With port 0, UDP picks the port and TCP follows;
    /// when TCP finds that port taken, both start over on a new one.
    private func bind() async throws -> (udp: [any Channel], tcp: any Channel) {
        let attempts = configuration.port == 0 ? 5 : 1
        var lastError: (any Error)?
        for _ in 0 ..< attempts {
            let udp = try await bindUDP(port: configuration.port)
            let port = udp[0].localAddress?.port ?? configuration.port
            do {
                return (udp, try await bindTCP(port: port))
            } catch {
                lastError = error
                for channel in udp { try? await channel.close() }
            }
        }
        if attempts == 1, let lastError { throw lastError }
        throw StartError.noCommonPort(attempts: attempts)
    }

    /// One UDP socket per listener, each on its own event loop, sharing the port.
    private func bindUDP(port: Int) async throws -> [any Channel] {
        var loops = group.makeIterator()
        var channels: [any Channel] = []
        do {
            let first = try await bindUDP(port: port, on: loops.next() ?? group.next(), counters: counters[1])
            channels.append(first)
            let shared = first.localAddress?.port ?? port
            for index in 1 ..< max(1, configuration.udpListeners) {
                channels.append(try await bindUDP(port: shared, on: loops.next() ?? group.next(), counters: counters[index + 1]))
            }
            return channels
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
    }

    private func bindUDP(port: Int, on loop: any EventLoop, counters: DNSCounters) async throws -> any Channel {
        let (resolver, catalog) = (self.resolver, self.catalog)
        return try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(Self.reusePort), value: 1)
            .channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSUDPHandler(resolver: resolver, catalog: catalog, counters: counters))
                }
            }
            .bind(host: configuration.bindAddress, port: port)
            .get()
    }

    private func bindTCP(port: Int) async throws -> any Channel {
        let (resolver, catalog, counters, connections) = (self.resolver, self.catalog, self.counters[0], self.connections)
        let idle = TimeAmount.nanoseconds(Int64(configuration.tcpIdleTimeout.components.seconds) * 1_000_000_000
            + configuration.tcpIdleTimeout.components.attoseconds / 1_000_000_000)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idle))
                    try pipeline.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try pipeline.addHandler(DNSTCPHandler(resolver: resolver, catalog: catalog, counters: counters))
                }
            }
            .bind(host: configuration.bindAddress, port: port)
            .get()
    }

    /// `SO_REUSEPORT` (15 on Linux, 0x200 on Darwin), which NIO does not name.
    #if canImport(Darwin)
    private static let reusePort = NIOBSDSocket.Option(rawValue: 0x200)
    #else
    private static let reusePort = NIOBSDSocket.Option(rawValue: 15)
    #endif

    private func settle(_ result: Result<Int, any Error>) {
        let waiters = port.withLock { state -> [CheckedContinuation<Int, any Error>] in
            guard case .waiting(let waiters) = state else { return [] }
            switch result {
            case .success(let port): state = .bound(port)
            case .failure(let error): state = .failed(error)
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}

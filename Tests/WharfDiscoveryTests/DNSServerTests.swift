import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing
@testable import WharfDiscovery
import WharfMetrics
import WharfModel

@Suite("DNS server over sockets", .timeLimit(.minutes(3)))
struct DNSServerTests {
    typealias Support = DNSTestSupport

    struct Timeout: Error {}

    /// Runs `body` with a server on 127.0.0.1, a free port, and stops it afterwards.
    func withServer(catalog: Catalog, idleTimeout: Duration = .seconds(10), metrics: MetricsRegistry? = nil,
                    _ body: (DNSServer, Int) async throws -> Void) async throws {
        let configuration = DNSConfiguration(bindAddress: "127.0.0.1", port: 0, extraDomains: ["wharf"], tcpIdleTimeout: idleTimeout)
        let server = DNSServer(configuration: configuration, catalog: catalog, logger: Logger(label: "dns-test"), metrics: metrics)
        let running = Task { try await server.run() }
        defer { running.cancel() }
        let port = try await server.boundPort()
        try await body(server, port)
    }

    /// `operation`, failing with `Timeout` after `seconds`.
    func within<T: Sendable>(_ seconds: Int = 5, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw Timeout()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Sends `packet` to the server over UDP and returns the reply.
    func udp(_ packet: ByteBuffer, port: Int) async throws -> ByteBuffer {
        try await within {
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: 0) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                let server = try SocketAddress(ipAddress: "127.0.0.1", port: port)
                try await outbound.write(AddressedEnvelope(remoteAddress: server, data: packet))
                for try await reply in inbound { return reply.data }
                throw Timeout()
            }
        }
    }

    /// Sends `packets` over one TCP connection, pipelined, and returns the replies in order.
    func tcp(_ packets: [ByteBuffer], port: Int) async throws -> [ByteBuffer] {
        try await within {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                var request = ByteBuffer()
                for packet in packets {
                    request.writeInteger(UInt16(packet.readableBytes))
                    request.writeImmutableBuffer(packet)
                }
                try await outbound.write(request)
                var received = ByteBuffer()
                var replies: [ByteBuffer] = []
                for try await chunk in inbound {
                    received.writeImmutableBuffer(chunk)
                    while let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
                          received.readableBytes >= 2 + Int(length) {
                        received.moveReaderIndex(forwardBy: 2)
                        replies.append(received.readSlice(length: Int(length))!)
                    }
                    if replies.count == packets.count { return replies }
                }
                return replies
            }
        }
    }

    @Test func answersOverUDPAndSeesCatalogChanges() async throws {
        let catalog = Support.catalog()
        try await withServer(catalog: catalog) { server, port in
            let first = try Support.decode(try await udp(Support.query("web.service.consul", .a), port: port))
            #expect(Set(first.answerData) == ["10.0.0.1", "10.0.0.2"])

            catalog.replace([PathId("/web"): [Support.service("web", app: "/web", endpoints: [
                Support.endpoint("web.9", node: "agent-3", address: "10.0.0.3", port: 31009),
            ])]])
            let second = try Support.decode(try await udp(Support.query("web.service.consul", .srv), port: port))
            #expect(second.answerData == ["1 1 31009 agent-3.node.dc1.consul."])
            #expect(second.additional.map(\.data) == ["10.0.0.3"])

            catalog.replace([PathId("/web"): []])
            let gone = try Support.decode(try await udp(Support.query("web.service.consul", .a), port: port))
            #expect(gone.rcode == 3)
            #expect(server.stats.nxdomain == 1)
        }
    }

    @Test func answersPipelinedQueriesOverTCPOnTheSamePort() async throws {
        try await withServer(catalog: Support.catalog()) { server, port in
            let replies = try await tcp([Support.query("web.service.consul", .srv, id: 1),
                                         Support.query("agent-1.node.wharf", .a, id: 2),
                                         Support.query("example.org", .a, id: 3)], port: port)
            let decoded = try replies.map(Support.decode)
            #expect(decoded.map(\.header.id) == [1, 2, 3])
            #expect(decoded[0].answers.count == 2)
            #expect(decoded[1].answerData == ["10.0.0.1"])
            #expect(decoded[2].rcode == 5)
            #expect(server.stats.refused == 1)
        }
    }

    @Test func truncatedOverUDPIsCompleteOverTCP() async throws {
        let catalog = Catalog(datacenter: "dc1")
        let endpoints = (0 ..< 60).map { Support.endpoint("big.\($0)", node: "node-\($0)", address: "10.3.0.\($0 + 1)", port: 1000 + $0) }
        catalog.replace([PathId("/big"): [Support.service("big", app: "/big", endpoints: endpoints)]])
        try await withServer(catalog: catalog) { server, port in
            let overUDP = try Support.decode(try await udp(Support.query("big.service.consul", .srv), port: port))
            #expect(overUDP.header.isTruncated)
            let overTCP = try Support.decode(try await tcp([Support.query("big.service.consul", .srv)], port: port)[0])
            #expect(!overTCP.header.isTruncated)
            #expect(overTCP.answers.count == 60)
            #expect(server.stats.truncated == 1)
        }
    }

    @Test func dropsGarbageAndKeepsServing() async throws {
        try await withServer(catalog: Support.catalog()) { server, port in
            let garbage = ByteBuffer(bytes: [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1])
            let client = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
            try await client.writeAndFlush(AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port), data: garbage))
            try await client.close()
            // The garbage went out on another socket and gets no reply: wait for the counter.
            let deadline = ContinuousClock.now + .seconds(5)
            while server.stats.malformed == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(server.stats.malformed == 1)
            let reply = try Support.decode(try await udp(Support.query("db.service.consul", .a), port: port))
            #expect(reply.answers.count == 2)
        }
    }

    @Test func closesIdleAndMalformedTCPConnections() async throws {
        try await withServer(catalog: Support.catalog(), idleTimeout: .milliseconds(200)) { server, port in
            let idle = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
            try await within { try await idle.closeFuture.get() }
        }
        // A generous idle timeout here, so that a loaded machine cannot close it for idleness first.
        try await withServer(catalog: Support.catalog(), idleTimeout: .seconds(30)) { server, port in
            let bad = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
            var garbage = ByteBuffer()
            garbage.writeInteger(UInt16(3))
            garbage.writeBytes([1, 2, 3])
            try await bad.writeAndFlush(garbage)
            try await within { try await bad.closeFuture.get() }
            #expect(server.stats.malformed == 1)
        }
    }

    @Test func gracefulShutdownClosesListeners() async throws {
        let configuration = DNSConfiguration(bindAddress: "127.0.0.1", port: 0)
        let server = DNSServer(configuration: configuration, catalog: Support.catalog(), logger: Logger(label: "dns-test"))
        let group = ServiceGroup(services: [server], logger: Logger(label: "dns-test"))
        let running = Task { try await group.run() }
        let port = try await server.boundPort()
        #expect(try Support.decode(try await udp(Support.query("web.service.consul", .a), port: port)).answers.count == 2)
        await group.triggerGracefulShutdown()
        try await within { try await running.value }
        // The port is free again for both protocols.
        let udp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get()
        let tcp = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get()
        try await udp.close()
        try await tcp.close()
    }

    @Test func reportsBindFailure() async throws {
        let blocker = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let taken = try #require(blocker.localAddress?.port)
        let server = DNSServer(configuration: DNSConfiguration(bindAddress: "127.0.0.1", port: taken), catalog: Catalog(),
                               logger: Logger(label: "dns-test"))
        await #expect(throws: (any Error).self) { try await server.run() }
        await #expect(throws: (any Error).self) { try await server.boundPort() }
        try await blocker.close()
    }
}

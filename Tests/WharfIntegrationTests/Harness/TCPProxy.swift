import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy the test controls, between an agent and its server: `cut()` closes the listener
/// and every relayed connection (the agent can no longer reach the server, as behind a broken
/// network, while its tasks keep running); `restore()` listens again on the same port.
final class TCPProxy: Sendable {
    let port: Int
    let targetHost: String
    let targetPort: Int
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let listener = Mutex<(any Channel)?>(nil)

    init(port: Int, targetHost: String = "127.0.0.1", targetPort: Int) {
        self.port = port
        self.targetHost = targetHost
        self.targetPort = targetPort
    }

    /// Listens on `port` and relays every connection to the target.
    func start() async throws {
        let (host, target) = (targetHost, targetPort)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] inbound in
                ClientBootstrap(group: inbound.eventLoop).connect(host: host, port: target).flatMap { outbound in
                    self.track(inbound)
                    self.track(outbound)
                    return inbound.eventLoop.makeCompletedFuture {
                        try outbound.pipeline.syncOperations.addHandler(Relay(partner: inbound))
                        try inbound.pipeline.syncOperations.addHandler(Relay(partner: outbound))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        listener.withLock { $0 = channel }
    }

    /// Stops relaying: closes the listener and every connection through the proxy.
    func cut() async {
        let open = listener.withLock { current -> [any Channel] in
            defer { current = nil }
            return current.map { [$0] } ?? []
        } + channels.withLock { channels -> [any Channel] in
            defer { channels = [:] }
            return Array(channels.values)
        }
        for channel in open { try? await channel.close() }
    }

    /// Relays again, on the same port.
    func restore() async throws {
        try await start()
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in channels.withLock { _ = $0.removeValue(forKey: id) } }
    }

    /// Writes what one side reads to the other, and closes the other when one side closes.
    private final class Relay: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let partner: any Channel

        init(partner: any Channel) {
            self.partner = partner
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

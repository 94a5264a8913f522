import NIOCore
import NIOPosix

/// A raw TCP server that answers every read with "<id>:" followed by the bytes read.
final class PrefixServer: Sendable {
    let id: String
    let channel: any Channel
    var port: Int { self.channel.localAddress?.port ?? 0 }

    private init(id: String, channel: any Channel) {
        self.id = id
        self.channel = channel
    }

    static func start(id: String) async throws -> PrefixServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PrefixEcho(id: id))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return PrefixServer(id: id, channel: channel)
    }

    func stop() async {
        try? await self.channel.close()
    }

    private final class PrefixEcho: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let id: String
        init(id: String) { self.id = id }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = self.unwrapInboundIn(data)
            var reply = ByteBuffer(string: "\(self.id):")
            reply.writeBuffer(&buffer)
            context.writeAndFlush(self.wrapOutboundOut(reply), promise: nil)
        }
    }
}

import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A plain TCP client that records everything it receives, for tests that need exact bytes.
final class RawClient: Sendable {
    struct State {
        var received = ByteBuffer()
        var closed = false
        /// When the close (or the peer's FIN) was seen.
        var closedAt: ContinuousClock.Instant?

        mutating func markClosed() {
            if !closed { closedAt = .now }
            closed = true
        }
    }

    let channel: any Channel
    let state: NIOLockedValueBox<State>

    private init(channel: any Channel, state: NIOLockedValueBox<State>) {
        self.channel = channel
        self.state = state
    }

    static func connect(port: Int, halfClosure: Bool = false) async throws -> RawClient {
        let state = NIOLockedValueBox(State())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: halfClosure)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(state: state))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawClient(channel: channel, state: state)
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(string: text))
    }

    func send(_ buffer: ByteBuffer) async throws {
        try await self.channel.writeAndFlush(buffer)
    }

    /// Sends FIN (half-close).
    func shutdownOutput() async throws {
        try await self.channel.close(mode: .output)
    }

    var text: String { self.state.withLockedValue { String(buffer: $0.received) } }
    var byteCount: Int { self.state.withLockedValue { $0.received.readableBytes } }
    var isClosed: Bool { self.state.withLockedValue { $0.closed } }
    var closedAt: ContinuousClock.Instant? { self.state.withLockedValue { $0.closedAt } }

    func close() async {
        try? await self.channel.close()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let state: NIOLockedValueBox<State>

        init(state: NIOLockedValueBox<State>) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = self.unwrapInboundIn(data)
            self.state.withLockedValue { _ = $0.received.writeBuffer(&buffer) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.state.withLockedValue { $0.markClosed() }
            context.fireChannelInactive()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event {
                self.state.withLockedValue { $0.markClosed() }
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

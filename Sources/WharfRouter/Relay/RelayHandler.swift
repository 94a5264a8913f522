import NIOCore

/// One side of a raw byte relay between two channels on the same event loop (TCP routes and
/// upgraded HTTP connections). Bytes read on one side are written to the other; reading stops
/// while the other side is not writable. A half-close (with `allowRemoteHalfClosure`) is passed
/// on as a shutdown of the other side's output; a full close or an idle timeout closes both.
final class RelayHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: RelayHandler?
    private var context: ChannelHandlerContext?
    private var readPending = false

    init() {}

    /// Connects two handlers (already in their pipelines or about to be).
    static func link(_ first: RelayHandler, _ second: RelayHandler) {
        first.partner = second
        second.partner = first
    }

    /// Flushes bytes handed over before the relay started (a decoder's leftovers arrive without
    /// a read-complete) and asks both channels for data (reads were held until now).
    func startReading() {
        self.context?.flush()
        self.partner?.context?.flush()
        self.kickRead()
        self.partner?.kickRead()
    }

    /// Reads now if the channel is active. A channel that is not active yet (an accepted TCP
    /// connection whose backend connected synchronously) reads on activation instead, through
    /// `read(context:)`; asking earlier would be lost.
    private func kickRead() {
        self.readPending = false
        if let context = self.context, context.channel.isActive {
            context.read()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.partner?.partnerWrite(self.unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let partner = self.partner
        self.partner = nil
        partner?.partner = nil
        partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // The peer finished sending: finish sending to the other side once it has it all.
            if let partnerContext = self.partner?.context {
                partnerContext.close(mode: .output, promise: nil)
            }
        case is IdleStateHandler.IdleStateEvent:
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let partner = self.partner, partner.readPending {
            partner.readPending = false
            partner.context?.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let partner = self.partner, let partnerContext = partner.context, partnerContext.channel.isWritable {
            context.read()
        } else {
            self.readPending = true
        }
    }

    private func partnerWrite(_ buffer: ByteBuffer) {
        self.context?.write(self.wrapOutboundOut(buffer), promise: nil)
    }
}

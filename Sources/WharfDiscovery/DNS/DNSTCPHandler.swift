import NIOCore

/// Answers DNS over one TCP connection: any number of length-prefixed queries, answered in order
/// on the event loop. The connection is closed when idle, on a malformed message, or on error.
/// While the peer does not read its answers, no more queries are read (back-pressure).
final class DNSTCPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let resolver: DNSResolver
    private let catalog: Catalog
    private let counters: DNSCounters
    private var random = DNSRandom()
    private var needsFlush = false
    private var readPending = false

    init(resolver: DNSResolver, catalog: Catalog, counters: DNSCounters) {
        self.resolver = resolver
        self.catalog = catalog
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let query = unwrapInboundIn(data)
        var output = context.channel.allocator.buffer(capacity: 514)
        output.writeInteger(UInt16(0))
        let outcome = resolver.respond(to: query, snapshot: catalog.snapshot, transport: .tcp, into: &output, random: &random)
        counters.record(outcome)
        guard case .answered = outcome else {
            context.close(promise: nil)
            return
        }
        output.setInteger(UInt16(output.readableBytes - 2), at: output.readerIndex)
        context.write(wrapOutboundOut(output), promise: nil)
        needsFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard needsFlush else { return }
        needsFlush = false
        context.flush()
    }

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readPending = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readPending {
            readPending = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

import NIOCore

/// Answers DNS over UDP, each datagram directly on the channel's event loop: read the catalog
/// snapshot, resolve, write. Responses are flushed once per read burst.
final class DNSUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let resolver: DNSResolver
    private let catalog: Catalog
    private let counters: DNSCounters
    private var random = DNSRandom()
    private var needsFlush = false

    init(resolver: DNSResolver, catalog: Catalog, counters: DNSCounters) {
        self.resolver = resolver
        self.catalog = catalog
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var output = context.channel.allocator.buffer(capacity: 512)
        let outcome = resolver.respond(to: envelope.data, snapshot: catalog.snapshot, transport: .udp,
                                       into: &output, random: &random)
        counters.record(outcome)
        guard case .answered = outcome else { return }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: output)), promise: nil)
        needsFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard needsFlush else { return }
        needsFlush = false
        context.flush()
    }

    /// Errors on a datagram socket (say, ICMP port unreachable from a client that went away)
    /// concern one peer, not the listener: ignore them.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

import NIOCore
import NIOHTTP1

/// The last handler of a backend connection's pipeline (request encoder, response decoder, this).
/// While leased it hands response parts to its owner, a client's `HTTPProxyHandler` on the same
/// event loop; while parked in a `BackendPool` it only watches for the backend closing.
final class BackendConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// The backend this connection goes to.
    let slot: BackendSlot
    /// HTTP handlers removed when the connection is upgraded to a raw relay.
    let encoder: HTTPRequestEncoder
    let decoder: ByteToMessageHandler<HTTPResponseDecoder>
    /// The client exchange using this connection, if leased.
    var owner: HTTPProxyHandler?
    /// The pool holding this connection, if parked.
    weak var pool: BackendPool?
    /// Requests sent on this connection so far.
    var requestsStarted = 0

    private var context: ChannelHandlerContext?
    private var readsPaused = false
    private var readPending = false

    init(slot: BackendSlot) {
        self.slot = slot
        self.encoder = HTTPRequestEncoder()
        self.decoder = ByteToMessageHandler(
            HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes, informationalResponseStrategy: .forward)
        )
    }

    /// Adds the HTTP client handlers and this handler to a new backend channel.
    func install(on pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(self.encoder)
        try pipeline.addHandler(self.decoder)
        try pipeline.addHandler(self)
    }

    var channel: (any Channel)? { self.context?.channel }
    var isActive: Bool { self.context?.channel.isActive ?? false }
    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let owner = self.owner {
            owner.backendDidRead(self.unwrapInboundIn(data), from: self)
        } else {
            // A backend must not speak while no request is outstanding.
            self.detach(error: nil)
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.owner?.backendDidReadComplete(self)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.owner?.backendWritabilityChanged(self)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.detach(error: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.detach(error: error)
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if self.readsPaused {
            self.readPending = true
        } else {
            context.read()
        }
    }

    /// Stops or resumes reading from the backend (response backpressure).
    func setReadsPaused(_ paused: Bool) {
        self.readsPaused = paused
        if !paused, self.readPending, let context = self.context {
            self.readPending = false
            context.read()
        }
    }

    /// Marks the connection as parked: reads flow so that a close by the backend is noticed.
    func park(in pool: BackendPool) {
        self.owner = nil
        self.pool = pool
        self.setReadsPaused(false)
    }

    func send(_ part: HTTPClientRequestPart, promise: EventLoopPromise<Void>? = nil) {
        if let context = self.context {
            context.write(self.wrapOutboundOut(part), promise: promise)
        } else {
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    func flush() {
        self.context?.flush()
    }

    func close() {
        self.owner = nil
        self.context?.close(promise: nil)
    }

    private func detach(error: (any Error)?) {
        if let pool = self.pool {
            self.pool = nil
            pool.remove(self)
        }
        if let owner = self.owner {
            self.owner = nil
            owner.backendDidClose(self, error: error)
        }
    }
}

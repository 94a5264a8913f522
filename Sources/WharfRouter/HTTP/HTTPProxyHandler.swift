import Logging
import NIOCore
import NIOHTTP1

/// The reverse proxy for one client connection, last in its pipeline
/// (`RequestHeadGuard`, request decoder, response encoder, this).
///
/// Requests are handled one at a time (pipelined ones wait in `queued`), which keeps responses in
/// order. Each request is routed, given a backend connection from this event loop's pool (or a new
/// one), and streamed both ways with backpressure: client reads stop while the backend is not
/// writable and backend reads stop while the client is not writable. Everything runs on the
/// client's event loop; there is no locking beyond reading the route table and counters.
final class HTTPProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum Phase {
        /// Waiting for a request head.
        case idle
        /// A head was accepted; a backend connection is being opened.
        case connecting
        /// Attached to a backend connection, relaying.
        case proxying
        /// Answering (or has answered) the request itself; discards the request body.
        case local
        /// A 101 was relayed; the pipelines are being switched to a raw relay.
        case upgrading
        /// Closing or closed: nothing more is done.
        case closed
    }

    let environment: ProxyEnvironment
    let loop: LoopContext
    let headGuard: RequestHeadGuard
    let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    let encoder: HTTPResponseEncoder
    var context: ChannelHandlerContext?
    var logger: Logger
    var clientIP = ""

    var phase = Phase.idle
    /// Parts of pipelined requests that arrived while an earlier one was in progress.
    var queued = CircularBuffer<HTTPServerRequestPart>()
    var draining = false
    /// A read was asked for while reading was paused.
    var readPending = false

    // State of the current exchange, reset by `resetExchange()`.
    var exchangeID = 0
    var forwardedHead: HTTPRequestHead?
    var route: CompiledRoute?
    var slot: BackendSlot?
    var triedSlots: [ObjectIdentifier] = []
    var lastConnectError = ""
    var backend: BackendConnection?
    var pending = CircularBuffer<HTTPClientRequestPart>()
    var clientVersion = HTTPVersion.http1_1
    var requestDone = false
    var requestBodySent = false
    var requestHeadWritten = false
    var responseStarted = false
    var responseDone = false
    var closeAfterResponse = false
    var backendReusable = false
    var isHeadRequest = false
    var isUpgradeRequest = false
    var isIdempotent = false
    var reusedConnection = false
    var staleRetryUsed = false
    var clientNeedsFlush = false
    var backendNeedsFlush = false
    /// Completes when the last byte of a response that ends the connection is written.
    var lastWrite: EventLoopFuture<Void>?
    var responseDeadline: NIODeadline?
    var responseTimer: Scheduled<Void>?
    /// What the exchange's metrics need (see `HTTPProxyHandler+Metrics`).
    var measured = MeasuredExchange()

    init(environment: ProxyEnvironment, loop: LoopContext) {
        let configuration = environment.configuration
        self.environment = environment
        self.loop = loop
        self.logger = environment.logger
        self.headGuard = RequestHeadGuard(
            headerTimeout: configuration.requestHeaderTimeout,
            idleTimeout: configuration.clientIdleTimeout,
            maxHeadBytes: configuration.maxHeaderBytes + 16 * 1024
        )
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maxHeaderBytes
        limits.maxHeaderFieldSize = configuration.maxHeaderBytes
        self.decoder = ByteToMessageHandler(
            HTTPRequestDecoder(
                leftOverBytesStrategy: .forwardBytes,
                informationalResponseStrategy: .drop,
                limitConfiguration: limits
            )
        )
        self.encoder = HTTPResponseEncoder()
    }

    /// Builds the client pipeline around a new handler.
    static func install(on channel: any Channel, environment: ProxyEnvironment, loop: LoopContext) throws {
        let handler = HTTPProxyHandler(environment: environment, loop: loop)
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(handler.headGuard)
        try pipeline.addHandler(handler.decoder)
        try pipeline.addHandler(handler.encoder)
        try pipeline.addHandler(handler)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let ip = context.channel.remoteAddress?.ipAddress {
            self.clientIP = ip
            self.logger[metadataKey: "client"] = "\(ip)"
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if self.clientIP.isEmpty, let ip = context.channel.remoteAddress?.ipAddress {
            self.clientIP = ip
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        switch part {
        case .head: self.headGuard.headReceived()
        case .end: self.headGuard.messageEnded()
        case .body: break
        }
        if self.queued.isEmpty, self.accepts(part) {
            self.handle(part)
        } else if self.phase != .closed {
            self.queued.append(part)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.flushBackendIfNeeded()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.backend?.setReadsPaused(!context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if self.phase != .upgrading {
            self.phase = .closed
        }
        self.queued.removeAll()
        self.pending.removeAll()
        self.releaseBackend(reusable: false)
        self.endExchangeAccounting()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let timeout = event as? RequestHeadGuard.Timeout {
            // Only act when nothing is in progress; the guard re-arms once the proxy is idle.
            if self.phase == .idle, self.queued.isEmpty {
                self.logger.debug("closing client connection", metadata: ["reason": "\(timeout) timeout"])
                self.phase = .closed
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case is HTTPParserError, is RequestHeadGuard.HeadTooLarge:
            self.logger.debug("malformed request", metadata: ["error": "\(error)"])
            self.queued.removeAll()
            if self.phase == .idle || !self.responseStarted {
                if self.phase == .idle { self.beginExchange(version: .http1_1) }
                self.respondLocal(.badRequest, body: "bad request: \(error)\n", close: true)
            } else {
                self.abort()
            }
        default:
            self.logger.debug("client connection error", metadata: ["error": "\(error)"])
            self.abort()
        }
    }

    func read(context: ChannelHandlerContext) {
        if self.canReadClient {
            context.read()
        } else {
            self.readPending = true
        }
    }

    /// Whether more client bytes may be read now (request backpressure and ordering).
    var canReadClient: Bool {
        switch self.phase {
        case .idle: return true
        case .connecting: return false
        case .proxying:
            if !self.requestDone { return self.backend?.isWritable ?? false }
            // Waiting for the response. Keep the socket's read interest registered (pausing and
            // resuming it costs two epoll_ctl calls per keep-alive request): a client that
            // pipelines has its next request parked in `queued`, and reading stops once one is.
            return !self.closeAfterResponse && self.queued.isEmpty
        case .local: return !self.requestDone && !self.closeAfterResponse
        case .upgrading, .closed: return false
        }
    }

    func resumeClientReads() {
        if self.readPending, self.canReadClient, let context = self.context {
            self.readPending = false
            context.read()
        }
    }

    // MARK: Request path

    /// Whether `part` belongs to the current exchange (or starts the next one now).
    private func accepts(_ part: HTTPServerRequestPart) -> Bool {
        switch part {
        case .head:
            return self.phase == .idle
        case .body, .end:
            switch self.phase {
            case .connecting, .proxying, .local: return !self.requestDone
            case .idle, .upgrading, .closed: return false
            }
        }
    }

    private func handle(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            self.startRequest(head)
        case .body(let buffer):
            switch self.phase {
            case .connecting:
                self.measured.requestBytes &+= buffer.readableBytes
                self.pending.append(.body(.byteBuffer(buffer)))
            case .proxying:
                self.measured.requestBytes &+= buffer.readableBytes
                self.backend?.send(.body(.byteBuffer(buffer)))
                self.requestBodySent = true
                self.backendNeedsFlush = true
            default:
                break
            }
        case .end(let trailers):
            self.requestDone = true
            switch self.phase {
            case .connecting:
                self.pending.append(.end(trailers))
            case .proxying:
                self.backend?.send(.end(trailers))
                self.backendNeedsFlush = false
                self.backend?.flush()
                if !self.responseStarted { self.armResponseTimer() }
            case .local:
                self.maybeFinishExchange()
            default:
                break
            }
        }
    }

    /// Feeds queued pipelined parts once the previous exchange completed.
    func drainQueue() {
        guard !self.draining else { return }
        self.draining = true
        defer { self.draining = false }
        while let part = self.queued.first, self.accepts(part) {
            self.queued.removeFirst()
            self.handle(part)
        }
        self.flushBackendIfNeeded()
        if self.phase == .idle, self.queued.isEmpty {
            self.headGuard.connectionIdle()
        }
    }

    func flushBackendIfNeeded() {
        if self.backendNeedsFlush {
            self.backendNeedsFlush = false
            self.backend?.flush()
        }
    }

    func beginExchange(version: HTTPVersion) {
        self.exchangeID &+= 1
        self.clientVersion = version
        self.requestDone = false
        self.requestBodySent = false
        self.requestHeadWritten = false
        self.responseStarted = false
        self.responseDone = false
        self.backendReusable = false
        self.reusedConnection = false
        self.staleRetryUsed = false
        self.isUpgradeRequest = false
        self.lastWrite = nil
        self.triedSlots.removeAll(keepingCapacity: true)
    }

    private func startRequest(_ head: HTTPRequestHead) {
        self.beginExchange(version: head.version)
        self.loop.count { $0.requestsTotal &+= 1 }
        self.closeAfterResponse = !head.isKeepAlive
        self.isHeadRequest = head.method == .HEAD
        let info: RequestInfo
        switch RequestValidator.inspect(head) {
        case .success(let inspected):
            info = inspected
        case .failure(let rejection):
            self.logger.debug("rejected request", metadata: ["reason": "\(rejection.reason)"])
            self.respondLocal(rejection.status, body: "\(rejection.reason)\n", close: true)
            return
        }
        let host = CompiledRoutes.normalize(host: info.host)
        guard let route = self.environment.store.current.route(host: host, uri: info.uri) else {
            let path = info.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            self.respondLocal(.notFound, body: "no route for host \"\(host)\" path \"\(path)\"\n", close: false)
            return
        }
        self.route = route
        if let metrics = self.environment.metrics { self.measure(route, method: head.method, metrics: metrics) }
        guard !route.slots.isEmpty else {
            self.respondLocal(.serviceUnavailable, body: "no healthy instance of \(route.name)\n", close: false)
            return
        }
        switch head.method {
        case .GET, .HEAD, .OPTIONS, .PUT, .DELETE, .TRACE: self.isIdempotent = true
        default: self.isIdempotent = false
        }
        if info.upgrade != nil {
            // The decoder stops parsing after an upgrade request: the connection either becomes a
            // tunnel or closes after the response.
            self.isUpgradeRequest = true
            self.closeAfterResponse = true
        }
        self.forwardedHead = HTTPRequestHead(
            version: .http1_1,
            method: head.method,
            uri: info.uri,
            headers: HeaderRewriter.request(head.headers, info: info, clientIP: self.clientIP)
        )
        self.phase = .connecting
        self.connectNext()
    }
}

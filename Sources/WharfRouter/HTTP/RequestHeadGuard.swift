import NIOCore

/// Sits in front of the request decoder of a client connection and enforces the slowloris and
/// keep-alive timers: a request head must be complete within `headerTimeout` of its first byte
/// (or of the connection opening), an idle keep-alive connection lasts `idleTimeout`. It also
/// caps bytes buffered for an unfinished head. Timeouts are sent inbound as `Timeout` events so
/// that the proxy handler decides (it ignores them while a response is still in progress).
final class RequestHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Inbound user event fired when a timer expires.
    enum Timeout: Sendable {
        case header
        case idle
    }

    /// Error fired when an unfinished request head grows past the limit.
    struct HeadTooLarge: Error {}

    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let maxHeadBytes: Int
    private var context: ChannelHandlerContext?
    private var awaitingHead = true
    private var headStarted = false
    private var headBytes = 0
    private var rejected = false
    private var timer: Scheduled<Void>?
    private var timerKind: Timeout?
    private var deadline: NIODeadline?
    private var timerFireAt = NIODeadline.uptimeNanoseconds(0)

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount, maxHeadBytes: Int) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxHeadBytes = maxHeadBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { self.arm(.header) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.stopTimer()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if self.deadline == nil { self.arm(.header) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.stopTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.rejected { return }
        if self.awaitingHead {
            self.headBytes += self.unwrapInboundIn(data).readableBytes
            if !self.headStarted {
                self.headStarted = true
                self.arm(.header)
            }
        }
        context.fireChannelRead(data)
        if self.awaitingHead, self.headBytes > self.maxHeadBytes {
            self.rejected = true
            context.fireErrorCaught(HeadTooLarge())
        }
    }

    /// The decoder produced a request head.
    func headReceived() {
        self.awaitingHead = false
        self.headStarted = false
        self.headBytes = 0
        self.cancelTimer()
    }

    /// The decoder finished a request; what follows is the next head.
    func messageEnded() {
        self.awaitingHead = true
    }

    /// The proxy has nothing in progress: start the idle timer (or keep the header timer when
    /// part of the next head has already arrived).
    func connectionIdle() {
        guard self.awaitingHead else { return }
        if self.headStarted {
            if self.timerKind != .header { self.arm(.header) }
        } else {
            self.arm(.idle)
        }
    }

    /// Sets the deadline. The scheduled task is reused and re-armed lazily when it fires early,
    /// so keep-alive traffic costs no timer allocation per request.
    private func arm(_ kind: Timeout) {
        guard let context = self.context else { return }
        let delay = kind == .header ? self.headerTimeout : self.idleTimeout
        let deadline = NIODeadline.now() + delay
        self.timerKind = kind
        self.deadline = deadline
        if let timer = self.timer {
            guard self.timerFireAt > deadline else { return }
            timer.cancel()
        }
        self.schedule(at: deadline, context: context)
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        self.timerFireAt = deadline
        self.timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [weak self] in
            self?.timerFired()
        }
    }

    private func timerFired() {
        self.timer = nil
        guard let context = self.context, let deadline = self.deadline, let kind = self.timerKind else { return }
        if deadline > NIODeadline.now() {
            self.schedule(at: deadline, context: context)
            return
        }
        self.deadline = nil
        self.timerKind = nil
        context.fireUserInboundEventTriggered(kind)
    }

    private func cancelTimer() {
        self.deadline = nil
        self.timerKind = nil
    }

    private func stopTimer() {
        self.cancelTimer()
        self.timer?.cancel()
        self.timer = nil
    }
}

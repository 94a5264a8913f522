import NIOCore
import ServiceLifecycle

/// Notices that the client of a request has gone, so that a forwarded request it was waiting for
/// (a blocking query, an event stream) is cancelled rather than held open on the leader.
///
/// Hummingbird allows half-closure and reads nothing more of a connection while it answers, so a
/// client that leaves is only seen when a write to it fails — for an idle stream, never. The watch
/// is a pass-through handler put first in the connection's pipeline for the time of one forwarded
/// request: it sees the end of the client's input (`inputClosed`) or of the connection, without
/// consuming anything Hummingbird reads. A client that half-closes its side on purpose and still
/// waits for the answer counts as gone, as with Hummingbird's own `consumeWithCancellationOnInboundClose`.
final class ClientConnectionWatch: Sendable {
    /// Why a watched operation was cut short.
    enum Interruption: Error, Equatable {
        /// The client closed its connection.
        case clientLeft
        /// The server is shutting down gracefully.
        case shutdown
    }

    private let channel: any Channel
    private let name: String
    /// true once the client left; false when the watch was removed first.
    private let ended: EventLoopFuture<Bool>

    private init(channel: any Channel, name: String, ended: EventLoopFuture<Bool>) {
        self.channel = channel
        self.name = name
        self.ended = ended
    }

    /// Starts watching `channel`. On a connection already closed the watch has ended at once.
    static func install(on channel: any Channel) async -> ClientConnectionWatch {
        let name = "wharf.client-watch.\(UInt64.random(in: 0 ... .max))"
        let promise = channel.eventLoop.makePromise(of: Bool.self)
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(Handler(promise: promise), name: name, position: .first)
            }.get()
        } catch {
            // The connection closed before the handler could be added.
            promise.succeed(true)
        }
        return ClientConnectionWatch(channel: channel, name: name, ended: promise.futureResult)
    }

    /// Stops watching (the forwarded exchange is over).
    func remove() {
        channel.pipeline.removeHandler(name: name).whenFailure { _ in
            // Already gone with its connection: nothing left to remove.
        }
    }

    /// Runs `operation` until it ends, the client leaves or — when `endsOnShutdown` — the server
    /// starts a graceful shutdown; an operation cut short is cancelled and `Interruption` thrown.
    ///
    /// The operation runs in a task of its own because the watch's signal comes from the event
    /// loop and must be able to cancel it; it is awaited here and cancelled with the caller, so it
    /// never outlives the call.
    func run<T: Sendable>(endsOnShutdown: Bool,
                          _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let reason = LockedValue<Interruption?>(nil)
        let task = Task { try await operation() }
        let interrupt: @Sendable (Interruption) -> Void = { why in
            reason.withLock { if $0 == nil { $0 = why } }
            task.cancel()
        }
        ended.whenSuccess { left in
            if left { interrupt(.clientLeft) }
        }
        let wait: @Sendable () async throws -> T = {
            try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        }
        do {
            if endsOnShutdown {
                return try await withGracefulShutdownHandler(operation: wait, onGracefulShutdown: { interrupt(.shutdown) })
            }
            return try await wait()
        } catch {
            if let why = reason.withLock({ $0 }) { throw why }
            throw error
        }
    }

    /// The pass-through handler; lives on the connection's event loop.
    private final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        private let promise: EventLoopPromise<Bool>
        private var done = false

        init(promise: EventLoopPromise<Bool>) { self.promise = promise }

        private func end(clientLeft: Bool) {
            guard !done else { return }
            done = true
            promise.succeed(clientLeft)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed { end(clientLeft: true) }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            end(clientLeft: true)
            context.fireChannelInactive()
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            end(clientLeft: false)
        }
    }
}

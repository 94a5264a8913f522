import NIOCore
import NIOHTTP1

/// Websocket-style upgrades: after a 101 both connections become a raw byte relay.
extension HTTPProxyHandler {
    /// Relays the 101 to the client; the switch happens when the backend's decoder ends the message.
    func startUpgrade(_ head: HTTPResponseHead, context: ChannelHandlerContext) {
        guard self.requestDone else {
            self.abort()
            return
        }
        self.phase = .upgrading
        self.responseDeadline = nil
        self.responseStarted = true
        self.loop.count {
            $0.countResponse(status: 101)
            $0.upgrades &+= 1
        }
        let response = HTTPResponseHead(
            version: .http1_1,
            status: .switchingProtocols,
            headers: HeaderRewriter.response(head.headers, upgrade: true, keepTransferEncoding: false)
        )
        context.writeAndFlush(self.wrapOutboundOut(.head(response)), promise: nil)
        self.completeUpgrade()
    }

    /// Switches outside the decoder's callback (the 101's end part is seen first).
    func completeUpgrade() {
        guard let context = self.context else { return }
        context.eventLoop.assumeIsolatedUnsafeUnchecked().execute {
            self.switchToRelay()
        }
    }

    /// Replaces the HTTP handlers of both pipelines with a linked pair of `RelayHandler`s. The
    /// decoders go last: on removal they hand bytes they buffered after the HTTP message (the
    /// first frames of the new protocol) to the relay.
    private func switchToRelay() {
        guard self.phase == .upgrading, let context = self.context, let connection = self.backend,
            let backendChannel = connection.channel
        else {
            self.abort()
            return
        }
        let clientChannel = context.channel
        let timeout = self.environment.configuration.tunnelIdleTimeout
        let clientRelay = RelayHandler()
        let backendRelay = RelayHandler()
        RelayHandler.link(clientRelay, backendRelay)
        self.backend = nil
        connection.owner = nil
        self.endExchangeAccounting()
        do {
            let client = clientChannel.pipeline.syncOperations
            let server = backendChannel.pipeline.syncOperations
            try client.addHandler(IdleStateHandler(allTimeout: timeout))
            try client.addHandler(clientRelay)
            try server.addHandler(IdleStateHandler(allTimeout: timeout))
            try server.addHandler(backendRelay)
            server.removeHandler(connection, promise: nil)
            server.removeHandler(connection.encoder, promise: nil)
            client.removeHandler(self.encoder, promise: nil)
            client.removeHandler(self.headGuard, promise: nil)
            let backendDecoderGone = server.removeHandler(connection.decoder)
            let clientDecoderGone = client.removeHandler(self.decoder)
            self.logger.debug("connection upgraded", metadata: ["route": "\(self.route?.name ?? "-")"])
            client.removeHandler(context: context, promise: nil)
            backendDecoderGone.and(clientDecoderGone).assumeIsolatedUnsafeUnchecked().whenComplete { result in
                switch result {
                case .success:
                    clientRelay.startReading()
                case .failure:
                    clientChannel.close(promise: nil)
                    backendChannel.close(promise: nil)
                }
            }
        } catch {
            self.logger.debug("upgrade failed", metadata: ["error": "\(error)"])
            backendChannel.close(promise: nil)
            clientChannel.close(promise: nil)
        }
    }
}

import Logging
import NIOCore
import NIOHTTP1

/// Choosing and talking to the backend: connect with retries and ejection, relay the response.
extension HTTPProxyHandler {
    // MARK: Connecting

    /// Picks the next backend of the route and leases or opens a connection to it.
    func connectNext() {
        guard let route = self.route, let context = self.context else { return }
        guard let slot = route.pick(excluding: self.triedSlots, now: .now()) else {
            self.failNoBackend()
            return
        }
        self.slot = slot
        self.triedSlots.append(ObjectIdentifier(slot))
        if let connection = self.loop.pool.lease(slot) {
            self.attach(connection, reused: true)
        } else {
            self.openConnection(to: slot, context: context)
        }
    }

    func openConnection(to slot: BackendSlot, context: ChannelHandlerContext) {
        self.phase = .connecting
        let id = self.exchangeID
        BackendConnector.connectHTTP(
            to: slot,
            on: context.eventLoop,
            timeout: self.environment.configuration.connectTimeout
        ).assumeIsolatedUnsafeUnchecked().whenComplete { result in
            self.connectCompleted(result, slot: slot, exchange: id)
        }
    }

    private func connectCompleted(_ result: Result<BackendConnection, any Error>, slot: BackendSlot, exchange: Int) {
        let current = exchange == self.exchangeID && self.phase == .connecting && self.slot === slot
        switch result {
        case .success(let connection):
            if current {
                self.attach(connection, reused: false)
            } else {
                // The client went away or the exchange ended: keep the fresh connection for later.
                self.loop.pool.release(connection)
            }
        case .failure(let error):
            self.loop.count { $0.backendConnectFailures &+= 1 }
            let configuration = self.environment.configuration
            let ejected = slot.eject(until: .now() + configuration.ejectSeconds)
            self.measured.service?.connectErrors.increment()
            if ejected { self.measured.service?.ejections.increment() }
            self.logger.info(
                "backend connect failed; ejecting",
                metadata: [
                    "route": "\(self.route?.name ?? "-")", "backend": "\(slot.backend.id)",
                    "address": "\(slot.backend.host):\(slot.backend.port)", "error": "\(error)",
                ]
            )
            guard current else { return }
            slot.release()
            self.slot = nil
            self.lastConnectError = "\(slot.backend.host):\(slot.backend.port): \(error)"
            if self.triedSlots.count <= configuration.connectRetries {
                self.loop.count { $0.retries &+= 1 }
                self.measured.service?.retries.increment()
                self.connectNext()
            } else {
                self.failNoBackend()
            }
        }
    }

    private func failNoBackend() {
        let name = self.route?.name ?? "-"
        let error = self.lastConnectError.isEmpty ? "no backend left to try" : self.lastConnectError
        self.respondLocal(
            .badGateway,
            body: "\(name): no instance accepted a connection (last error: \(error))\n",
            close: false
        )
    }

    /// Starts using `connection` for the current request: sends the head and anything buffered.
    func attach(_ connection: BackendConnection, reused: Bool) {
        guard let head = self.forwardedHead, let context = self.context else {
            self.loop.pool.release(connection)
            return
        }
        self.phase = .proxying
        self.backend = connection
        self.reusedConnection = reused
        connection.owner = self
        connection.requestsStarted += 1
        connection.setReadsPaused(!context.channel.isWritable)
        if reused && !self.isIdempotent {
            // Remember whether the head left us, so a dead pooled connection can still be retried.
            let id = self.exchangeID
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.assumeIsolatedUnsafeUnchecked().whenSuccess {
                if id == self.exchangeID { self.requestHeadWritten = true }
            }
            connection.send(.head(head), promise: promise)
        } else {
            connection.send(.head(head))
        }
        while let part = self.pending.popFirst() {
            if case .body = part { self.requestBodySent = true }
            connection.send(part)
        }
        connection.flush()
        self.backendNeedsFlush = false
        if self.requestDone, !self.responseStarted { self.armResponseTimer() }
        self.resumeClientReads()
    }

    // MARK: Backend events

    func backendDidRead(_ part: HTTPClientResponsePart, from connection: BackendConnection) {
        guard connection === self.backend, let context = self.context else {
            connection.close()
            return
        }
        switch part {
        case .head(let head):
            self.receivedResponseHead(head, context: context)
        case .body(let buffer):
            guard self.phase == .proxying, self.responseStarted else { return }
            self.measured.responseBytes &+= buffer.readableBytes
            context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            self.clientNeedsFlush = true
        case .end(let trailers):
            if self.phase == .upgrading { return }
            guard self.phase == .proxying, self.responseStarted else { return }
            self.responseDone = true
            self.clientNeedsFlush = false
            if self.isHeadRequest {
                // The encoder may have announced chunking; a HEAD response must not carry its end.
                context.flush()
            } else if self.closeAfterResponse {
                self.lastWrite = context.writeAndFlush(self.wrapOutboundOut(.end(trailers)))
            } else {
                context.writeAndFlush(self.wrapOutboundOut(.end(trailers)), promise: nil)
            }
            self.maybeFinishExchange()
        }
    }

    private func receivedResponseHead(_ head: HTTPResponseHead, context: ChannelHandlerContext) {
        guard self.phase == .proxying, !self.responseStarted else { return }
        let status = Int(head.status.code)
        if status == 101 {
            guard self.isUpgradeRequest else {
                self.respondLocal(.badGateway, body: "\(self.route?.name ?? "-"): unexpected 101 from instance\n", close: true)
                return
            }
            self.startUpgrade(head, context: context)
            return
        }
        let keepTransferEncoding = self.clientVersion.minor >= 1
        var response = HTTPResponseHead(
            version: keepTransferEncoding ? .http1_1 : .http1_0,
            status: head.status,
            headers: HeaderRewriter.response(head.headers, upgrade: false, keepTransferEncoding: keepTransferEncoding)
        )
        if status < 200 {
            // Interim response (100 Continue, 103 Early Hints): pass it on, wait for the final one.
            context.writeAndFlush(self.wrapOutboundOut(.head(response)), promise: nil)
            return
        }
        self.responseDeadline = nil
        self.responseStarted = true
        self.backendReusable = head.isKeepAlive
        if !keepTransferEncoding, !self.isHeadRequest, head.status.mayHaveResponseBody,
            !response.headers.contains(name: "content-length")
        {
            self.closeAfterResponse = true
        }
        if self.closeAfterResponse {
            response.headers.add(name: "Connection", value: "close")
        } else if !keepTransferEncoding {
            response.headers.add(name: "Connection", value: "keep-alive")
        }
        self.loop.count { $0.countResponse(status: status) }
        self.measured.status = status
        if self.isHeadRequest && self.closeAfterResponse {
            self.lastWrite = context.write(self.wrapOutboundOut(.head(response)))
        } else {
            context.write(self.wrapOutboundOut(.head(response)), promise: nil)
        }
        self.clientNeedsFlush = true
    }

    func backendDidReadComplete(_ connection: BackendConnection) {
        if self.clientNeedsFlush, connection === self.backend, let context = self.context {
            self.clientNeedsFlush = false
            context.flush()
        }
    }

    func backendWritabilityChanged(_ connection: BackendConnection) {
        if connection === self.backend, connection.isWritable {
            self.resumeClientReads()
        }
    }

    /// The backend connection closed or failed while this exchange owned it.
    func backendDidClose(_ connection: BackendConnection, error: (any Error)?) {
        guard connection === self.backend else { return }
        self.backend = nil
        self.responseDeadline = nil
        guard !self.responseDone, self.phase == .proxying || self.phase == .upgrading else { return }
        if !self.responseStarted, self.phase == .proxying {
            if self.reusedConnection, !self.staleRetryUsed, !self.requestBodySent,
                self.isIdempotent || !self.requestHeadWritten, let slot = self.slot, let context = self.context
            {
                // A kept-alive connection the backend had already closed: replay on a fresh one.
                self.staleRetryUsed = true
                self.loop.count { $0.retries &+= 1 }
                self.measured.service?.retries.increment()
                self.logger.debug("pooled connection failed before a response; retrying", metadata: ["backend": "\(slot.backend.id)"])
                if self.requestDone { self.pending.append(.end(nil)) }
                self.openConnection(to: slot, context: context)
                return
            }
            let name = self.route?.name ?? "-"
            let reason = error.map { "\($0)" } ?? "connection closed"
            self.respondLocal(
                .badGateway,
                body: "\(name): instance \(self.slot?.backend.id ?? "-") failed before responding (\(reason))\n",
                close: !self.requestDone
            )
            return
        }
        // The response was cut short: the client can only learn it from the connection closing.
        self.abort()
    }

    // MARK: Response timeout

    func armResponseTimer() {
        guard let context = self.context else { return }
        let deadline = NIODeadline.now() + self.environment.configuration.backendTimeout
        self.responseDeadline = deadline
        if self.responseTimer == nil {
            self.scheduleResponseTimer(at: deadline, context: context)
        }
    }

    private func scheduleResponseTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        self.responseTimer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) {
            [weak self] in
            self?.responseTimerFired()
        }
    }

    private func responseTimerFired() {
        self.responseTimer = nil
        guard let deadline = self.responseDeadline, let context = self.context else { return }
        if deadline > .now() {
            self.scheduleResponseTimer(at: deadline, context: context)
            return
        }
        self.responseDeadline = nil
        guard self.phase == .proxying, !self.responseStarted else { return }
        let seconds = self.environment.configuration.backendTimeout.nanoseconds / 1_000_000_000
        self.logger.info(
            "backend sent no response in time",
            metadata: ["route": "\(self.route?.name ?? "-")", "backend": "\(self.slot?.backend.id ?? "-")"]
        )
        self.respondLocal(
            .gatewayTimeout,
            body: "\(self.route?.name ?? "-"): instance \(self.slot?.backend.id ?? "-") sent no response within \(seconds)s\n",
            close: !self.requestDone
        )
    }
}

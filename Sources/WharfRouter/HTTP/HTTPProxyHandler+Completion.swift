import NIOCore
import NIOHTTP1

/// Ending exchanges: the router's own responses, returning backend connections, keep-alive.
extension HTTPProxyHandler {
    /// Answers the current request with a short text/plain body. Any backend connection of the
    /// exchange is closed. When `close` is false the connection stays usable once the request
    /// body (if any) has been read and discarded.
    func respondLocal(_ status: HTTPResponseStatus, body: String, close: Bool) {
        guard let context = self.context, self.phase != .closed else { return }
        guard !self.responseStarted else {
            self.abort()
            return
        }
        self.responseDeadline = nil
        self.releaseBackend(reusable: false)
        self.pending.removeAll()
        self.phase = .local
        self.closeAfterResponse = self.closeAfterResponse || close
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        if self.closeAfterResponse {
            headers.add(name: "Connection", value: "close")
        } else if self.clientVersion.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let version: HTTPVersion = self.clientVersion.minor == 0 ? .http1_0 : .http1_1
        self.loop.count { $0.countResponse(status: Int(status.code)) }
        self.measured.status = Int(status.code)
        self.responseStarted = true
        context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if !self.isHeadRequest {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        self.lastWrite = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        self.responseDone = true
        self.maybeFinishExchange()
    }

    /// Completes the exchange when both the response and the request are done: returns the
    /// backend connection to the pool, then either closes or waits for the next request.
    func maybeFinishExchange() {
        guard self.responseDone, let context = self.context else { return }
        if !self.requestDone {
            if self.phase == .local && !self.closeAfterResponse {
                // Keep reading (and discarding) the body of a request we answered ourselves.
                self.resumeClientReads()
                return
            }
            // The backend answered before the upload ended; the rest of it cannot be skipped safely.
            self.closeAfterResponse = true
        }
        self.responseDeadline = nil
        self.releaseBackend(reusable: self.backendReusable && self.requestDone)
        self.endExchangeAccounting()
        if self.closeAfterResponse {
            self.phase = .closed
            self.queued.removeAll()
            let channel = context.channel
            if let lastWrite = self.lastWrite {
                lastWrite.whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
            return
        }
        self.phase = .idle
        self.lastWrite = nil
        self.route = nil
        self.forwardedHead = nil
        self.drainQueue()
        self.resumeClientReads()
    }

    /// Detaches the backend connection: back to the pool when `reusable`, else closed.
    func releaseBackend(reusable: Bool) {
        guard let connection = self.backend else { return }
        self.backend = nil
        connection.owner = nil
        if reusable {
            self.loop.pool.release(connection)
        } else {
            connection.close()
        }
    }

    /// Ends the in-flight count of the backend used by this exchange.
    func endExchangeAccounting() {
        if let slot = self.slot {
            self.slot = nil
            slot.release()
        }
        if self.measured.pending { self.recordMeasuredExchange() }
    }

    /// Gives up on the client connection (truncated response, protocol error mid-stream).
    func abort() {
        self.responseDeadline = nil
        self.releaseBackend(reusable: false)
        self.endExchangeAccounting()
        self.pending.removeAll()
        self.queued.removeAll()
        self.phase = .closed
        self.context?.close(promise: nil)
    }
}

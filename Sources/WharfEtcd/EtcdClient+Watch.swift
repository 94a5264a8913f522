import AsyncHTTPClient
import Foundation
import NIOCore

extension EtcdClient {
    /// Watches a key or range: one long POST to `/v3/watch` whose answer streams one JSON message per line.
    ///
    /// The stream yields every change in revision order (and progress notifications when asked for).
    /// It ends by throwing: `EtcdError.compacted(n)` when `startRevision` is below etcd's compaction
    /// point (re-read the state, then watch from its revision + 1), `EtcdError.unavailable` when the
    /// connection ends, `EtcdError.server` when etcd cancels the watch. Ending the consumer's iteration
    /// (or cancelling its task) closes the HTTP request.
    public func watch(_ request: EtcdWatchRequest) -> AsyncThrowingStream<EtcdWatchResponse, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: EtcdWatchResponse.self)
        let task = Task {
            do {
                try await self.runWatch(request, continuation)
            } catch {
                continuation.finish(throwing: Task.isCancelled ? CancellationError() : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func runWatch(_ request: EtcdWatchRequest, _ continuation: AsyncThrowingStream<EtcdWatchResponse, any Error>.Continuation) async throws {
        let body = try GatewayEncoding.data(request.gatewayBody)
        let (endpoint, response) = try await openStream("/v3/watch", body: body)
        var pending = Data()
        for try await chunk in response.body {
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[pending.index(after: newline)...])
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
                if try handleWatchLine(Data(line), continuation) { return }
            }
        }
        if !pending.isEmpty, try handleWatchLine(pending, continuation) { return }
        throw EtcdError.unavailable("the watch stream from \(endpoint) ended")
    }

    /// Yields one message; returns true when the stream is over (the continuation is finished).
    private func handleWatchLine(_ line: Data, _ continuation: AsyncThrowingStream<EtcdWatchResponse, any Error>.Continuation) throws -> Bool {
        let message = try GatewayJSON(data: line)
        if let (code, text) = try message.gatewayError() { throw Self.error(code: code, message: text) }
        let (response, created, cancelReason) = try EtcdWatchResponse.decode(gateway: message.object("result"))
        if response.canceled {
            if response.compactRevision != 0 { throw EtcdError.compacted(response.compactRevision) }
            throw EtcdError.server(code: 1, message: "etcd canceled the watch" + (cancelReason.isEmpty ? "" : ": \(cancelReason)"))
        }
        if created && response.events.isEmpty { return false }
        if case .terminated = continuation.yield(response) { return true }
        return false
    }

    /// Opens a streaming POST on the first endpoint that accepts a connection; the answer has no deadline.
    func openStream(_ path: String, body: Data) async throws -> (endpoint: String, response: HTTPClientResponse) {
        guard !endpoints.isEmpty else { throw EtcdError.unavailable("no etcd endpoints are configured") }
        let start = currentEndpoint.flatMap { endpoints.firstIndex(of: $0) } ?? 0
        var failures: [String] = []
        for attempt in 0..<endpoints.count {
            let endpoint = endpoints[(start + attempt) % endpoints.count]
            var request = HTTPClientRequest(url: endpoint + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await http.execute(request, deadline: .distantFuture)
                guard response.status == .ok else {
                    let text = try await response.body.collect(upTo: 64 * 1024)
                    let answer = try GatewayJSON(data: Data(text.readableBytesView))
                    if let (code, reason) = try answer.gatewayError() { throw Self.error(code: code, message: reason) }
                    throw EtcdError.badResponse("\(endpoint)\(path) answered \(response.status)")
                }
                return (endpoint, response)
            } catch let error as EtcdError {
                throw error
            } catch {
                if Task.isCancelled { throw CancellationError() }
                failures.append("\(endpoint): \(error)")
            }
        }
        throw EtcdError.unavailable("no etcd endpoint accepted the watch (\(failures.joined(separator: "; ")))")
    }
}

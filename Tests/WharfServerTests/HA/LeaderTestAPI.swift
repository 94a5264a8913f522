import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
@testable import WharfServer

/// A small API a test leader answers with, recording what reached it.
final class LeaderTestAPI: Sendable {
    /// What the leader saw of one request.
    struct Seen: Sendable {
        var method: String
        var path: String
        var headers: HTTPFields
        var bodyBytes: Int
    }

    let seen = LockedValue<[Seen]>([])
    /// Event-stream subscribers, by id.
    private let subscribers = LockedValue<[Int: AsyncStream<String>.Continuation]>([:])
    private let nextSubscriber = LockedValue(0)
    /// Blocking queries that ended because their client (the follower) left.
    let longPollsAbandoned = LockedValue(0)
    let longPollsStarted = LockedValue(0)

    var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Sends `data` as one event to every subscriber.
    func emit(_ data: String) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(data) }
    }

    /// Ends every event stream.
    func endStreams() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }

    private func record(_ request: Request, bodyBytes: Int) {
        seen.withLock {
            $0.append(Seen(method: request.method.rawValue, path: request.uri.description, headers: request.headers,
                           bodyBytes: bodyBytes))
        }
    }

    var responder: any HTTPResponder<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.post("/v2/apps") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            self.record(request, bodyBytes: body.readableBytes)
            return Response(status: .created, headers: [.contentType: "application/json", .location: "/v2/apps/web",
                                                        HTTPField.Name("X-Test-Reply")!: "created"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"id":"/web","bytes":\#(body.readableBytes)}"#)))
        }
        router.get("/ping") { request, _ -> Response in
            self.record(request, bodyBytes: 0)
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "pong")))
        }
        router.get("/status/{code}") { request, context -> Response in
            let code = Int(context.parameters.get("code") ?? "") ?? 500
            return Response(status: HTTPResponse.Status(code: code), headers: [.location: "/elsewhere"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "status \(code)")))
        }
        // Echoes the body as it arrives.
        router.post("/echo") { request, _ -> Response in
            Response(status: .ok, body: ResponseBody(asyncSequence: request.body))
        }
        router.get("/v2/events") { request, _ -> Response in
            let (events, continuation) = AsyncStream<String>.makeStream()
            let id = self.nextSubscriber.withLock { $0 += 1; return $0 }
            self.subscribers.withLock { $0[id] = continuation }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: ResponseBody { writer in
                                defer { _ = self.subscribers.withLock { $0.removeValue(forKey: id) } }
                                for await data in events {
                                    try await writer.write(ByteBuffer(string: "event: test\ndata: \(data)\n\n"))
                                }
                                try await writer.finish(nil)
                            })
        }
        // A blocking query that never gets an update: it ends when its client leaves.
        router.get("/v1/catalog/services") { request, context -> Response in
            let watch = await ClientConnectionWatch.install(on: context.channel)
            defer { watch.remove() }
            self.longPollsStarted.withLock { $0 += 1 }
            do {
                try await watch.run(endsOnShutdown: true) { try await Task.sleep(for: .seconds(120)) }
            } catch ClientConnectionWatch.Interruption.clientLeft {
                self.longPollsAbandoned.withLock { $0 += 1 }
            }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        return router.buildResponder()
    }
}

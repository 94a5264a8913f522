import WharfRouter
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// What a test backend saw, readable from the test.
final class BackendRecorder: Sendable {
    struct State {
        var connections = 0
        var requests: [String] = []
        var bodyBytes = 0
        var released = false
    }

    let state = NIOLockedValueBox(State())
    var connections: Int { self.state.withLockedValue { $0.connections } }
    var requests: [String] { self.state.withLockedValue { $0.requests } }
    var bodyBytes: Int { self.state.withLockedValue { $0.bodyBytes } }
    /// Lets a `/slow` response finish.
    func release() { self.state.withLockedValue { $0.released = true } }
}

/// A small HTTP server answering by path:
/// `/headers` lists the request headers, `/echo` streams the body back, `/slow` sends a first
/// chunk and the rest once `recorder.release()` was called, `/hang` never answers, `/close`
/// closes without answering, anything else answers with the backend id. `Upgrade: echo`
/// requests get a 101 and then every byte is echoed.
final class TestBackend: Sendable {
    let id: String
    let channel: any Channel
    let recorder: BackendRecorder

    var port: Int { self.channel.localAddress?.port ?? 0 }

    private init(id: String, channel: any Channel, recorder: BackendRecorder) {
        self.id = id
        self.channel = channel
        self.recorder = recorder
    }

    static func start(id: String) async throws -> TestBackend {
        let recorder = BackendRecorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                recorder.state.withLockedValue { $0.connections += 1 }
                let upgrader = EchoUpgrader()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                    try channel.pipeline.syncOperations.addHandler(
                        TestBackendHandler(id: id, recorder: recorder),
                        name: "app"
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestBackend(id: id, channel: channel, recorder: recorder)
    }

    func backend() -> Backend {
        Backend(id: self.id, host: "127.0.0.1", port: self.port)
    }

    func stop() async {
        try? await self.channel.close()
    }
}


private final class TestBackendHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let id: String
    let recorder: BackendRecorder
    var mode = ""
    var head: HTTPRequestHead?

    init(id: String, recorder: BackendRecorder) {
        self.id = id
        self.recorder = recorder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.recorder.state.withLockedValue { $0.requests.append("\(head.method) \(head.uri)") }
            self.mode = String(head.uri.split(separator: "?").first ?? "")
            if self.mode == "/echo" {
                var headers = HTTPHeaders()
                headers.add(name: "x-backend", value: self.id)
                context.writeAndFlush(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            } else if self.mode == "/close" {
                context.close(promise: nil)
            }
        case .body(let buffer):
            self.recorder.state.withLockedValue { $0.bodyBytes += buffer.readableBytes }
            if self.mode == "/echo" {
                context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
        case .end:
            self.respond(context: context)
        }
    }

    private func respond(context: ChannelHandlerContext) {
        guard let head = self.head else { return }
        var headers = HTTPHeaders()
        headers.add(name: "x-backend", value: self.id)
        switch self.mode {
        case "/echo":
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        case "/hang", "/close":
            break
        case "/slow":
            context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "first\n")))), promise: nil)
            self.finishSlow(context: context)
        case "/headers":
            var body = ""
            for (name, value) in head.headers { body += "\(name.lowercased()): \(value)\n" }
            headers.add(name: "content-length", value: String(body.utf8.count))
            headers.add(name: "connection", value: "x-secret")
            headers.add(name: "x-secret", value: "hop")
            headers.add(name: "keep-alive", value: "timeout=5")
            self.write(context: context, headers: headers, body: body)
        default:
            let body = self.id
            headers.add(name: "content-length", value: String(body.utf8.count))
            self.write(context: context, headers: headers, body: body)
        }
    }

    private func write(context: ChannelHandlerContext, headers: HTTPHeaders, body: String) {
        context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func finishSlow(context: ChannelHandlerContext) {
        if self.recorder.state.withLockedValue({ $0.released }) {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "rest\n")))), promise: nil)
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(10)) {
            self.finishSlow(context: context)
        }
    }
}

/// Accepts `Upgrade: echo` and then echoes raw bytes.
private final class EchoUpgrader: HTTPServerProtocolUpgrader, Sendable {
    let supportedProtocol = "echo"
    let requiredUpgradeHeaders: [String] = []

    func buildUpgradeResponse(
        channel: any Channel,
        upgradeRequest: HTTPRequestHead,
        initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        channel.eventLoop.makeSucceededFuture(initialResponseHeaders)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        let pipeline = context.pipeline
        return pipeline.removeHandler(name: "app").flatMapThrowing {
            try pipeline.syncOperations.addHandler(EchoHandler())
        }
    }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}

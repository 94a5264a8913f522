import NIOCore
import NIOPosix

/// Opens connections to backends on a given event loop.
enum BackendConnector {
    /// Connects to `slot`'s backend on `eventLoop` with an HTTP client pipeline.
    static func connectHTTP(
        to slot: BackendSlot,
        on eventLoop: any EventLoop,
        timeout: TimeAmount
    ) -> EventLoopFuture<BackendConnection> {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try BackendConnection(slot: slot).install(on: channel.pipeline.syncOperations)
                }
            }
        return self.connect(bootstrap, to: slot).flatMapThrowing { channel in
            try channel.pipeline.syncOperations.handler(type: BackendConnection.self)
        }
    }

    /// Connects to `slot`'s backend on `eventLoop` for a raw relay; `initializer` builds the pipeline.
    static func connectRaw(
        to slot: BackendSlot,
        on eventLoop: any EventLoop,
        timeout: TimeAmount,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer(initializer)
        return self.connect(bootstrap, to: slot)
    }

    private static func connect(_ bootstrap: ClientBootstrap, to slot: BackendSlot) -> EventLoopFuture<any Channel> {
        if let address = slot.address {
            return bootstrap.connect(to: address)
        }
        return bootstrap.connect(host: slot.backend.host, port: slot.backend.port)
    }
}

import Logging
import NIOCore

/// Starts the relay for one accepted TCP route connection: picks a backend by the route's
/// strategy, connects on the client's event loop (ejecting and trying the next backend on
/// failure), then links the two channels. With no backend the client is closed at once.
final class TCPRelayStarter {
    private let environment: ProxyEnvironment
    private let loop: LoopContext
    private let route: CompiledRoute
    private let client: any Channel
    private let clientRelay: RelayHandler
    private var tried: [ObjectIdentifier] = []
    private var clientClosed = false
    /// The route's service series, when the router keeps metrics.
    private let service: ServiceMetrics?

    private init(environment: ProxyEnvironment, loop: LoopContext, route: CompiledRoute, client: any Channel, relay: RelayHandler) {
        self.environment = environment
        self.loop = loop
        self.route = route
        self.client = client
        self.clientRelay = relay
        self.service = environment.metrics?.service(named: route.name)
        self.service?.tcpConnections.increment()
    }

    /// Sets up an accepted channel of the listener on `port`; runs on the channel's event loop.
    static func accept(channel: any Channel, port: Int, environment: ProxyEnvironment) throws {
        guard let loop = environment.loops.context(for: channel.eventLoop),
            let route = environment.store.current.tcpByPort[port], !route.slots.isEmpty
        else {
            channel.close(promise: nil)
            return
        }
        let relay = RelayHandler()
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(IdleStateHandler(allTimeout: environment.configuration.tunnelIdleTimeout))
        try pipeline.addHandler(relay)
        let starter = TCPRelayStarter(environment: environment, loop: loop, route: route, client: channel, relay: relay)
        channel.closeFuture.assumeIsolatedUnsafeUnchecked().whenComplete { _ in starter.clientClosed = true }
        starter.connectNext()
    }

    private func connectNext() {
        // Not `client.isActive`: on the first attempt the accepted channel is not registered yet.
        guard !self.clientClosed, let slot = self.route.pick(excluding: self.tried, now: .now()) else {
            self.client.close(promise: nil)
            return
        }
        self.tried.append(ObjectIdentifier(slot))
        let configuration = self.environment.configuration
        let timeout = configuration.tunnelIdleTimeout
        BackendConnector.connectRaw(to: slot, on: self.client.eventLoop, timeout: configuration.connectTimeout) { channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                try pipeline.addHandler(IdleStateHandler(allTimeout: timeout))
                try pipeline.addHandler(RelayHandler())
            }
        }.assumeIsolatedUnsafeUnchecked().whenComplete { result in
            switch result {
            case .success(let backend):
                backend.closeFuture.whenComplete { _ in slot.release() }
                guard !self.clientClosed, let backendRelay = try? backend.pipeline.syncOperations.handler(type: RelayHandler.self) else {
                    backend.close(promise: nil)
                    return
                }
                RelayHandler.link(self.clientRelay, backendRelay)
                self.clientRelay.startReading()
                self.environment.logger.debug(
                    "tcp relay started",
                    metadata: ["route": "\(self.route.name)", "backend": "\(slot.backend.id)"]
                )
            case .failure(let error):
                slot.release()
                let ejected = slot.eject(until: .now() + configuration.ejectSeconds)
                self.loop.count { $0.backendConnectFailures &+= 1 }
                self.service?.connectErrors.increment()
                if ejected { self.service?.ejections.increment() }
                self.environment.logger.info(
                    "backend connect failed; ejecting",
                    metadata: ["route": "\(self.route.name)", "backend": "\(slot.backend.id)", "error": "\(error)"]
                )
                if self.tried.count <= configuration.connectRetries {
                    self.loop.count { $0.retries &+= 1 }
                    self.service?.retries.increment()
                    self.connectNext()
                } else {
                    self.client.close(promise: nil)
                }
            }
        }
    }
}

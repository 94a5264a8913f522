import Hummingbird
import Logging
import ServiceLifecycle

extension WharfDev {
    /// The API listener of a server in a cluster, on `bind:port`: every request goes through
    /// `proxy`, which answers with the local API while this server leads and forwards to the
    /// leader otherwise. `onListening` gets the port once it listens (the one given, or the one the
    /// system picked for 0). The proxy's connections to the leader are closed when the listener
    /// has stopped (`LeaderProxyResponder.shutdown()`).
    public static func makeHAAPIApplication(
        proxy: LeaderProxyResponder, bind: String, port: Int, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        Application(
            responder: proxy,
            configuration: .init(address: .hostname(bind, port: port), serverName: "wharf"),
            // Stopped after the listener (Hummingbird stops its own services last).
            services: [LeaderProxyCloser(proxy: proxy, logger: logger)],
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}

/// Closes the proxy's connections to the leader once the API listener has drained.
struct LeaderProxyCloser: Service {
    let proxy: LeaderProxyResponder
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled rather than shut down gracefully: close all the same.
        }
        do {
            try await proxy.shutdown()
        } catch {
            logger.warning("closing the connections to the leader failed: \(error)")
        }
    }
}

import NIOCore
import NIOPosix

/// TCP and MESOS_TCP health checks: healthy when a connection to the port is accepted within the
/// time-out. The connection is closed at once, without sending anything.
enum TCPProbe {
    /// Connects to `host:port` within `timeout` and closes the connection; throws ``ProbeFailure``.
    static func connect(host: String, port: Int, timeout: Duration) async throws(ProbeFailure) {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(timeout))
                .connect(host: host, port: port)
                .get()
            try? await channel.close()
        } catch {
            throw ProbeFailure.describing(error, timeout: timeout)
        }
    }
}

import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The listeners of TCP routes, reconciled against each new table: new ports are bound, removed
/// ports closed (their accepted connections keep going), ports that failed to bind are tried
/// again on the next reconcile. Thread-safe.
final class TCPListeners: Sendable {
    private enum Entry {
        case binding(generation: UInt64)
        case bound(any Channel)
        case failed
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var generation: UInt64 = 0
        var stopped = false
    }

    private let environment: ProxyEnvironment
    private let group: any EventLoopGroup
    private let report: @Sendable (String, Int, String?) -> Void
    private let state = NIOLockedValueBox(State())

    init(environment: ProxyEnvironment, group: any EventLoopGroup, report: @escaping @Sendable (String, Int, String?) -> Void) {
        self.environment = environment
        self.group = group
        self.report = report
    }

    /// Opens listeners for the table's TCP routes and closes the others.
    func reconcile(_ routes: CompiledRoutes) {
        var toBind: [(port: Int, name: String, generation: UInt64)] = []
        var toClose: [any Channel] = []
        self.state.withLockedValue { state in
            guard !state.stopped else { return }
            for (port, route) in routes.tcpByPort {
                switch state.entries[port] {
                case nil, .failed:
                    state.generation += 1
                    state.entries[port] = .binding(generation: state.generation)
                    toBind.append((port, route.name, state.generation))
                case .binding, .bound:
                    break
                }
            }
            for (port, entry) in state.entries where routes.tcpByPort[port] == nil {
                state.entries[port] = nil
                if case .bound(let channel) = entry { toClose.append(channel) }
            }
        }
        for channel in toClose {
            self.environment.logger.info("closing tcp listener", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "-")"])
            channel.close(promise: nil)
        }
        for item in toBind {
            self.bind(port: item.port, name: item.name, generation: item.generation)
        }
    }

    /// Closes every listener; later reconciles do nothing.
    func stop() {
        let channels = self.state.withLockedValue { state -> [any Channel] in
            state.stopped = true
            let channels = state.entries.values.compactMap { entry -> (any Channel)? in
                if case .bound(let channel) = entry { return channel }
                return nil
            }
            state.entries = [:]
            return channels
        }
        for channel in channels { channel.close(promise: nil) }
    }

    private func bind(port: Int, name: String, generation: UInt64) {
        let environment = self.environment
        let address = environment.configuration.tcpBindAddress
        ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try TCPRelayStarter.accept(channel: channel, port: port, environment: environment)
                }
            }
            .bind(host: address, port: port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    let keep = self.state.withLockedValue { state -> Bool in
                        guard case .binding(let current) = state.entries[port], current == generation else { return false }
                        state.entries[port] = .bound(channel)
                        return true
                    }
                    if keep {
                        environment.logger.info("tcp listener bound", metadata: ["route": "\(name)", "port": "\(port)"])
                        self.report(name, port, nil)
                    } else {
                        channel.close(promise: nil)
                    }
                case .failure(let error):
                    let keep = self.state.withLockedValue { state -> Bool in
                        guard case .binding(let current) = state.entries[port], current == generation else { return false }
                        state.entries[port] = .failed
                        return true
                    }
                    if keep {
                        environment.logger.warning(
                            "tcp listener cannot bind",
                            metadata: ["route": "\(name)", "port": "\(port)", "error": "\(error)"]
                        )
                        self.report(name, port, "cannot listen on \(address):\(port): \(error)")
                    }
                }
            }
    }
}

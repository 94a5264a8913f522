import Foundation
import NIOCore
import NIOPosix

/// Talks to HAProxy's runtime API (the admin `stats socket`): one command per connection, the way
/// `socat` does it without `prompt` mode. HAProxy answers and closes; the whole answer is returned.
public struct HAProxyRuntimeClient: Sendable {
    public let socket: HAProxySocketAddress
    /// Limit for connecting, sending and reading one answer.
    public let timeout: TimeAmount
    private let group: any EventLoopGroup

    /// A client for `socket`, on NIO's shared event loops unless `group` is given.
    public init(socket: HAProxySocketAddress, timeout: TimeAmount = .seconds(5), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.socket = socket
        self.timeout = timeout
        self.group = group
    }

    /// Sends one command line and returns HAProxy's answer.
    public func send(_ command: String) async throws -> String {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            let bootstrap = ClientBootstrap(group: group).connectTimeout(timeout)
            let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
            switch socket {
            case .unix(let path):
                channel = try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
            case .tcp(let host, let port):
                channel = try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
            }
        } catch {
            throw HAProxyRuntimeError.unreachable(socket: socket.description, reason: "\(error)")
        }
        // A stuck HAProxy must not stall the sync loop: close the channel at the deadline, which ends the read.
        let watchdog = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer { watchdog.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: command + "\n"))
                var answer = ByteBuffer()
                for try await var chunk in inbound { answer.writeBuffer(&chunk) }
                return String(buffer: answer)
            }
        } catch {
            throw HAProxyRuntimeError.unreachable(socket: socket.description, reason: "'\(command)' failed: \(error)")
        }
    }

    /// Runs `command`, throwing `HAProxyRuntimeError.rejected` with HAProxy's text unless it succeeded.
    public func execute(_ command: HAProxyRuntimeCommand) async throws {
        let answer = try await send(command.description)
        guard command.succeeded(answer) else {
            throw HAProxyRuntimeError.rejected(
                command: command.description, message: answer.trimmingCharacters(in: .whitespacesAndNewlines)
            )
        }
    }

    /// Every server of every backend (`show servers state`).
    public func serverStates() async throws -> [HAProxyServerState] {
        try HAProxyServerState.parse(try await send("show servers state"))
    }

    /// The names of all backends (`show backend`).
    public func backendNames() async throws -> [String] {
        try await send("show backend").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// The pid of the worker answering (`show info` `Pid:`); a new one after each reload.
    public func workerPid() async throws -> Int32 {
        let answer = try await send("show info")
        for line in answer.split(separator: "\n") where line.hasPrefix("Pid:") {
            if let pid = Int32(line.dropFirst(4).trimmingCharacters(in: .whitespaces)) { return pid }
        }
        throw HAProxyRuntimeError.unexpectedOutput(command: "show info", output: answer)
    }
}

import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import WharfAgent
import WharfDiscovery
import WharfModel

/// An agent's end of the agent link: dials the servers in turn (``AgentUplinkConfiguration/servers``),
/// says hello, and once welcomed carries the server's commands to the agent and the agent's reports
/// to the server, with heartbeats both ways. When the connection ends — the server went away, fell
/// silent for the timeout, or the network broke — it dials again after a capped, jittered,
/// exponential delay; the agent and its tasks keep running meanwhile.
///
/// Reports made while no server is connected are not kept: every new connection starts with the
/// agent's complete state (`registered`, then a `fullState` asked of the agent), which supersedes
/// them, and status reports are forwarded only after that full state.
///
/// A refusal that retrying cannot cure (a wrong token, no common protocol version) ends ``run()``
/// with ``AgentUplinkError``, and so the `wharf agent` process, with the server's reason.
final class AgentUplink: Service, Sendable {
    private let agent: any AgentEndpoint
    private let configuration: AgentUplinkConfiguration
    private let logger: Logger
    /// Identifies this agent process to the server (a reconnect of the same process replaces its
    /// stale connection; another process with the same agent id is refused).
    private let processId = UUID().uuidString.lowercased()
    private let forwarding = LockedValue(Forwarding())
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

    /// Where the agent's reports go.
    private struct Forwarding {
        var serial: UInt64 = 0
        /// The current connection's outbox; nil while no server is connected.
        var outbox: AsyncStream<WireMessage>.Continuation?
        /// Whether a full state has gone out on the current connection (status reports wait for it).
        var synced = false
        /// The protocol version of the current connection.
        var version = 1
        /// The channel to close at shutdown.
        var channel: (any Channel)?
        /// The last server that welcomed this agent.
        var serverId: String?
        /// Its API address (`host:port`), as it said in the welcome.
        var apiAddress = ""
    }

    /// `host:port` of the API of the server this agent was last welcomed by; empty before that.
    var leaderAddress: String { forwarding.withLock { $0.apiAddress } }

    /// Tells the server that this node's router serves the catalog up to `index` (dropped while no
    /// server is connected: a new connection starts with a full copy, which the router reports again).
    func routesApplied(_ index: UInt64) {
        forwarding.withLock { forwarding in
            _ = forwarding.outbox?.yield(.routesApplied(index: index))
        }
    }

    /// The highest leader epoch this agent has seen (fencing of deposed leaders).
    private let epochs: EpochLedger
    /// The HA cluster this agent belongs to.
    private let cluster: ClusterIdFile

    /// Throws when the epoch file of `configuration` cannot be read.
    init(agent: any AgentEndpoint, configuration: AgentUplinkConfiguration, logger: Logger) throws {
        self.agent = agent
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "agent"] = "\(agent.id)"
        self.logger = logger
        self.epochs = try EpochLedger(path: configuration.epochFile)
        self.cluster = try ClusterIdFile(path: configuration.clusterIdFile)
    }

    /// Recovers the agent, then keeps a connection to a server until graceful shutdown (or a fatal
    /// refusal, thrown).
    func run() async throws {
        await agent.start()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.forwardReports() }
            group.addTask {
                try await cancelWhenGracefulShutdown {
                    try await withTaskCancellationHandler {
                        try await self.connectLoop()
                    } onCancel: {
                        self.forwarding.withLock { $0.channel }?.close(promise: nil)
                    }
                }
            }
            defer { group.cancelAll() }
            // The connection loop ends first (shutdown, or a fatal refusal it throws); the
            // forwarder ends only if the agent stops on its own.
            _ = try await group.next()
        }
        logger.info("disconnected from the server; tasks keep running")
    }

    // MARK: - Reports

    private func forwardReports() async {
        for await report in agent.reports {
            forward(report)
        }
    }

    /// Sends `report` on the current connection when it should go: offers and port changes always,
    /// a full state always (it brings the server up to date), task statuses once a full state has
    /// gone out on this connection.
    func forward(_ report: AgentReport) {
        var report = report
        if case var .registered(info) = report {
            info.hostname = configuration.hostname
            report = .registered(info)
        }
        forwarding.withLock { forwarding in
            guard let outbox = forwarding.outbox else { return }
            switch report {
            case .registered, .portsInUse:
                outbox.yield(.report(report))
            case .fullState:
                forwarding.synced = true
                outbox.yield(.report(report))
            case .status:
                if forwarding.synced { outbox.yield(.report(report)) }
            case .outputProblem:
                // A server of protocol 1 would not know it (and it is only worth an event).
                if forwarding.version >= WireProtocol.taskLogsVersion { outbox.yield(.report(report)) }
            case .unreachable:
                break
            }
        }
    }

    // MARK: - Connections

    private enum SessionEnd {
        /// The server turned the agent away.
        case refused(WireRefusal)
        /// The server answered with (or sent a command of) a leader epoch lower than one seen before:
        /// it was replaced as leader.
        case staleLeader(epoch: Int64, seen: Int64)
        /// The server belongs to another HA cluster than the one this agent joined first.
        case otherCluster(String)
        /// The connection ended after a welcome, for `reason`.
        case ended(reason: String)
    }

    private func connectLoop() async throws {
        var backoff = ReconnectBackoff(initial: configuration.reconnectDelay.initial, maximum: configuration.reconnectDelay.maximum)
        var index = 0
        var failures = 0
        // Where a follower said the leader is: dialled next, once.
        var redirect: JoinAddress?
        // Redirects followed without a welcome in between: past the first, the usual delay applies
        // (servers that disagree on the leader for a moment must not make the agent spin).
        var redirects = 0
        while !Task.isCancelled {
            let server: JoinAddress
            if let target = redirect {
                server = target
                redirect = nil
            } else {
                server = configuration.servers[index % configuration.servers.count]
                index += 1
            }
            var welcomed = false
            do {
                let end = try await session(with: server, welcomed: &welcomed)
                if Task.isCancelled { return }
                switch end {
                case let .refused(refusal) where refusal.code == .notLeader:
                    redirect = refusal.leader.flatMap(JoinAddress.init)
                    logger.info("the server does not lead; trying \(redirect.map { "the leader at \($0)" } ?? "the next server")", metadata: [
                        "server": "\(server)", "reason": "\(refusal.reason)",
                    ])
                    // Straight to the leader; without one, the usual delay (an election is running).
                    redirects += 1
                    if redirect != nil, redirects <= 1 { continue }
                    // A server answered: the cluster is there, an election is running. Ask again
                    // soon, without growing the delay meant for servers that do not answer.
                    do {
                        try await Task.sleep(for: .milliseconds(Int64.random(in: 200...400)))
                    } catch {
                        return
                    }
                    continue
                case let .refused(refusal):
                    logger.error("the server refused this agent", metadata: [
                        "server": "\(server)", "code": "\(refusal.code.rawValue)", "reason": "\(refusal.reason)",
                    ])
                    if refusal.isFatal { throw AgentUplinkError.refused(server: server, reason: refusal.reason) }
                case let .otherCluster(id):
                    logger.error("the server belongs to another cluster than this agent's; trying the next server", metadata: [
                        "server": "\(server)", "serverCluster": "\(id)", "agentCluster": "\(cluster.current)",
                        "fix": "give the agent only its cluster's servers in --join, or a new --data-dir to move it to another cluster",
                    ])
                case let .staleLeader(epoch, seen):
                    logger.warning("the server is a replaced leader (its epoch is lower than one this agent has seen); trying the next server", metadata: [
                        "server": "\(server)", "epoch": "\(epoch)", "seen": "\(seen)",
                    ])
                case let .ended(reason):
                    logger.warning("connection to the server ended; reconnecting", metadata: ["server": "\(server)", "reason": "\(reason)"])
                }
            } catch let AgentUplinkError.refused(server, reason) {
                throw AgentUplinkError.refused(server: server, reason: reason)
            } catch {
                if Task.isCancelled { return }
                failures += 1
                // The first failures in a row are worth a warning; then one in ten.
                if welcomed || failures <= 3 || failures % 10 == 0 {
                    logger.warning("cannot talk to the server; retrying", metadata: [
                        "server": "\(server)", "error": "\(error)", "attempt": "\(failures)",
                    ])
                }
            }
            if welcomed {
                backoff.reset()
                failures = 0
                redirects = 0
            }
            let delay = backoff.next()
            do {
                try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            } catch {
                return  // shutting down
            }
        }
    }

    /// One connection: hello, then (when welcomed) commands in and reports out until it ends.
    private func session(with server: JoinAddress, welcomed: inout Bool) async throws -> SessionEnd {
        let maxFrame = configuration.maxFrameBytes
        let connection = try await ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(configuration.connectTimeoutSeconds * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: server.host, port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture { try WireConnection.wrap(channel, maxFrameBytes: maxFrame) }
            }
        let channel = connection.channel
        forwarding.withLock { $0.channel = channel }
        if Task.isCancelled { channel.close(promise: nil) }
        let handshakeTimeout = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(configuration.connectTimeoutSeconds * 1000))) {
            channel.close(promise: nil)
        }
        defer { handshakeTimeout.cancel() }
        var info = await agent.currentInfo
        info.hostname = configuration.hostname
        let hello = WireHello(
            protocol: WireProtocol.name, versions: Array(configuration.protocolVersions), agentId: agent.id,
            processId: processId, token: configuration.token, agent: info, software: WireProtocol.software,
            clock: Timestamp.now(), followsCatalog: configuration.mirror != nil, servesRoutes: configuration.mirror != nil && configuration.servesRoutes)
        return try await connection.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            try await WireConnection.write(.hello(hello), to: outbound)
            guard let answer = try await WireConnection.read(&iterator, agentId: agent.id) else {
                throw AgentUplinkError.closedDuringHandshake
            }
            switch answer {
            case let .refused(refusal):
                return .refused(refusal)
            case var .welcome(welcome):
                // The server's numbers drive this agent's timers: kept within sane bounds.
                welcome.heartbeatSeconds = Self.bounded(welcome.heartbeatSeconds, 0.05...60, otherwise: 2)
                welcome.timeoutSeconds = Self.bounded(welcome.timeoutSeconds, 0.5...86_400, otherwise: 10)
                guard configuration.protocolVersions.contains(welcome.version) else {
                    throw AgentUplinkError.refused(server: server, reason:
                        "the server chose protocol version \(welcome.version), which this agent does not speak "
                        + "(it speaks \(Array(configuration.protocolVersions).map(String.init).joined(separator: ", "))); "
                        + "run the same wharf version on the server and its agents")
                }
                guard try cluster.admit(welcome.clusterId) else { return .otherCluster(welcome.clusterId) }
                guard try epochs.admit(welcome.epoch) else {
                    return .staleLeader(epoch: welcome.epoch, seen: epochs.current)
                }
                handshakeTimeout.cancel()
                welcomed = true
                do {
                    return .ended(reason: try await carry(welcome, server: server, iterator: &iterator, outbound: outbound, channel: channel))
                } catch let stale as StaleCommand {
                    return .staleLeader(epoch: stale.epoch, seen: stale.seen)
                }
            default:
                throw AgentUplinkError.unexpected(answer.typeName)
            }
        }
    }

    /// The welcomed connection: the agent's full state goes out first, then its reports; the
    /// server's commands go to the agent. Returns why it ended.
    private func carry(_ welcome: WireWelcome, server: JoinAddress,
                       iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
                       outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel) async throws -> String {
        let (outbox, continuation) = AsyncStream<WireMessage>.makeStream(bufferingPolicy: .unbounded)
        let (serial, previousServer) = forwarding.withLock { forwarding -> (UInt64, String?) in
            forwarding.serial += 1
            forwarding.outbox = continuation
            forwarding.synced = false
            forwarding.version = welcome.version
            defer {
                forwarding.serverId = welcome.serverId
                forwarding.apiAddress = welcome.apiAddress
            }
            return (forwarding.serial, forwarding.serverId)
        }
        defer {
            forwarding.withLock { forwarding in
                guard forwarding.serial == serial else { return }
                forwarding.outbox = nil
                forwarding.synced = false
            }
            continuation.finish()
        }
        logger.info("connected to the server", metadata: [
            "server": "\(server)", "serverId": "\(welcome.serverId)", "protocol": "\(welcome.version)",
            "heartbeat": "\(welcome.heartbeatSeconds)", "timeout": "\(welcome.timeoutSeconds)",
            "restarted": "\(previousServer.map { $0 != welcome.serverId } ?? false)",
        ])
        // The server's picture of this node starts from a full state, which the agent produces in
        // order with its other reports.
        agent.submit(.reconcile)
        let clock = LockedValue(LinkClock(lastHeard: AgentHub.now(), interval: welcome.heartbeatSeconds, timeout: welcome.timeoutSeconds))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await WireConnection.drain(outbox, into: outbound) }
            group.addTask { await Self.keepAlive(clock, outbox: continuation, channel: channel) }
            defer { group.cancelAll() }
            while let message = try await WireConnection.read(&iterator, agentId: agent.id) {
                clock.withLock { $0.lastHeard = AgentHub.now() }
                switch message {
                case let .command(command, epoch):
                    // A command of a replaced leader is never carried out: the connection ends.
                    guard try epochs.admit(epoch) else { throw StaleCommand(epoch: epoch, seen: epochs.current) }
                    agent.submit(command)
                case let .heartbeat(interval):
                    if let interval { clock.withLock { $0.interval = Self.bounded(interval, 0.05...60, otherwise: $0.interval) } }
                case let .catalog(delta):
                    guard let mirror = configuration.mirror else { throw AgentUplinkError.unexpected(message.typeName) }
                    guard mirror.apply(delta) else {
                        // Cannot happen on one ordered connection; a new one starts with a full copy.
                        throw AgentUplinkError.catalogGap(base: delta.base, held: mirror.snapshot.index)
                    }
                case let .logRead(requestId, request):
                    // Answered on its own: a read may wait for output, and many may be under way.
                    let agent = self.agent
                    Task {
                        let reply = await agent.readTaskLog(request)
                        continuation.yield(.logData(requestId: requestId, reply))
                    }
                case .hello, .welcome, .refused, .report, .routesApplied, .encoded, .logData:
                    throw AgentUplinkError.unexpected(message.typeName)
                }
            }
            let silent = clock.withLock { AgentHub.now() - $0.lastHeard >= $0.timeout }
            return silent ? "nothing heard from the server for \(Int(welcome.timeoutSeconds)) s" : "the server closed the connection"
        }
    }

    /// `value` clamped to `range`; `otherwise` when it is not a number.
    static func bounded(_ value: Double, _ range: ClosedRange<Double>, otherwise: Double) -> Double {
        value.isNaN ? otherwise : min(max(value, range.lowerBound), range.upperBound)
    }

    /// Heartbeats of one connection, and the limit on the server's silence.
    private struct LinkClock {
        var lastHeard: Double
        var lastSent: Double = 0
        var interval: Double
        var timeout: Double
    }

    /// Sends a heartbeat every interval; closes the connection when the server has been silent
    /// for the timeout.
    private static func keepAlive(_ clock: LockedValue<LinkClock>, outbox: AsyncStream<WireMessage>.Continuation, channel: any Channel) async {
        while !Task.isCancelled {
            let (period, beat, silent) = clock.withLock { clock -> (Double, Bool, Bool) in
                let now = AgentHub.now()
                let beat = now - clock.lastSent >= clock.interval
                if beat { clock.lastSent = now }
                return (min(0.25, clock.interval / 4), beat, now - clock.lastHeard >= clock.timeout)
            }
            if silent {
                channel.close(promise: nil)
                return
            }
            if beat { outbox.yield(.heartbeat(intervalSeconds: nil)) }
            do {
                try await Task.sleep(for: .milliseconds(Int64(period * 1000)))
            } catch {
                return
            }
        }
    }
}

/// A command of a lower epoch than one the agent has seen: its sender was replaced as leader.
private struct StaleCommand: Error {
    var epoch: Int64
    var seen: Int64
}

/// Why an agent stopped trying to join.
enum AgentUplinkError: Error, CustomStringConvertible {
    /// The server refused the agent for a reason retrying cannot cure.
    case refused(server: JoinAddress, reason: String)
    /// The server closed the connection before answering the hello.
    case closedDuringHandshake
    /// The server sent a message a server does not send.
    case unexpected(String)
    /// A catalog delta that does not start at the index this node holds.
    case catalogGap(base: UInt64, held: UInt64)

    var description: String {
        switch self {
        case let .refused(server, reason): "the server at \(server) refused this agent: \(reason)"
        case .closedDuringHandshake: "the server closed the connection before answering the hello"
        case let .unexpected(type): "the server sent a '\(type)' message, which a server does not send"
        case let .catalogGap(base, held):
            "the server sent catalog changes since index \(base) while this node holds index \(held); reconnecting for a full copy"
        }
    }
}

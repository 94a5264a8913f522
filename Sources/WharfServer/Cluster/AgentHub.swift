import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import WharfDiscovery
import WharfModel

/// The server's end of the agent link: an ``AgentLink`` over many TCP connections, one per
/// `wharf agent`, each dialled by the agent (agents need no inbound port).
///
/// A connection starts with the agent's hello, which is checked (protocol name, token compared in
/// constant time, a common version, and that no other live process claims the agent id) and
/// answered with a welcome or a refusal; only a welcomed agent is reported `registered`. From then
/// on commands go down and reports come up as frames (``WireFrame``), with heartbeats both ways. An
/// agent the hub has not heard from for the timeout is reported ``AgentReport/unreachable(agentId:reason:)``.
///
/// ``send(_:to:)`` only puts the command into that agent's outbox; one writer per connection drains
/// it at the pace the socket takes (NIO backpressure), so that the control plane never waits on an
/// agent. A malformed or oversized frame closes its connection, with the reason logged, and
/// touches no other.
///
/// With HA (`wharf server --etcd`), only the leader's hub takes agents: ``lead(epoch:mayAct:)``
/// starts a term (a fresh registry and report stream, every command stamped with the epoch) and
/// ``follow(leader:)`` ends it, closing every connection and refusing hellos with the leader's
/// address. A hub that is not told either leads epoch 0 (a single `wharf server`).
public final class AgentHub: AgentLink, Service, Sendable {
    /// Reports of every agent in the first term (epoch 0, a server without HA), in the order each
    /// agent's were received or decided. Later terms have their own (``AgentHubTerm/reports``).
    public let reports: AsyncStream<AgentReport>

    private let configuration: AgentHubConfiguration
    private let logger: Logger
    private let registry: LockedValue<AgentRegistry>
    private let serials = LockedValue<UInt64>(0)
    /// Every open connection, welcomed or not, to close at shutdown.
    private let openChannels = LockedValue<[ObjectIdentifier: any Channel]>([:])
    private let bound = LockedValue<BoundPort>(.waiting([]))
    private let role = LockedValue<Role>(.leading(epoch: 0, mayAct: { true }, open: true))
    /// The HA cluster's id, told in welcomes of later terms (`setClusterId(_:)`).
    private let clusterId = LockedValue("")
    private let serverId: String

    /// Whether this hub's server takes agents now.
    private enum Role {
        /// Leading the term of `epoch`; `mayAct` says whether the leader's lease still holds. Agents
        /// are taken once the term is `open` (its control plane has loaded the state: an agent
        /// welcomed earlier would be sent an empty catalog, and its router would drop every route).
        case leading(epoch: Int64, mayAct: @Sendable () -> Bool, open: Bool)
        /// Another server leads (its agent port, when known): hellos are redirected there.
        case following(leader: String?)
    }
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

    private enum BoundPort {
        case waiting([CheckedContinuation<Int, any Error>])
        case bound(Int)
        case failed(any Error)
    }

    /// A hub listening as `configuration` says once ``run()`` runs. `serverId` names this server
    /// process in welcomes (a new one tells agents the server restarted).
    public init(configuration: AgentHubConfiguration, serverId: String = UUID().uuidString.lowercased(), logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "component"] = "agent-hub"
        self.logger = logger
        self.serverId = serverId
        let (reports, continuation) = AsyncStream<AgentReport>.makeStream(bufferingPolicy: .unbounded)
        self.reports = reports
        self.registry = LockedValue(Self.registry(configuration, serverId: serverId, epoch: 0, reports: continuation))
        self.catalogFrames = CatalogFrameCache(maxFrameBytes: configuration.maxFrameBytes)
    }

    /// The catalog every agent's router, DNS server and Consul API follow, and the barrier that kills
    /// wait on until the agents' routers serve a catalog index.
    private let discovery = LockedValue<(catalog: Catalog, routing: RoutingBarrier)?>(nil)
    /// The catalog frames the connections share.
    private let catalogFrames: CatalogFrameCache

    /// Makes every connected agent follow `catalog` (a full copy, then its changes), and the
    /// routers of those that run one count in `routing`. Call before ``run()``.
    public func follow(_ catalog: Catalog, routing: RoutingBarrier) {
        discovery.withLock { $0 = (catalog, routing) }
    }

    private static func registry(_ configuration: AgentHubConfiguration, serverId: String, epoch: Int64, clusterId: String = "",
                                 reports: AsyncStream<AgentReport>.Continuation) -> AgentRegistry {
        AgentRegistry(timeout: configuration.agentTimeoutSeconds, launchResend: configuration.launchResendSeconds,
                      serverId: serverId, apiAddress: configuration.apiAddress, epoch: epoch, clusterId: clusterId, reports: reports)
    }

    /// Names the HA cluster this hub's server belongs to, told to agents from the next term on.
    public func setClusterId(_ id: String) {
        clusterId.withLock { $0 = id }
    }

    /// Queues `command` for `agentId` and returns at once. A kill for an agent that is away is held
    /// and delivered when it comes back; a launch is dropped (its re-registration reports the
    /// instance as unknown, and the control plane replaces it).
    public func send(_ command: AgentCommand, to agentId: String) {
        send(command, to: agentId, epoch: 0)
    }

    /// `send(_:to:)` for the term of `epoch`: dropped unless this hub still leads that term and its
    /// lease holds.
    func send(_ command: AgentCommand, to agentId: String, epoch: Int64) {
        guard mayCommand(epoch: epoch) else {
            logger.warning("command not sent: this server does not lead (any more)", metadata: [
                "agent": "\(agentId)", "command": "\(WireMessage.command(command, epoch: epoch).typeName)", "epoch": "\(epoch)",
            ])
            return
        }
        let now = Self.now()
        guard let dropped = registry.withLock({ $0.send(command, to: agentId, now: now) }) else { return }
        logger.warning("command for an agent that is not connected dropped", metadata: [
            "agent": "\(agentId)", "command": "\(WireMessage.command(command, epoch: epoch).typeName)", "reason": "\(dropped)",
        ])
    }

    /// Task log reads sent to agents and not answered yet.
    private let taskLogReads = TaskLogReads()

    /// Asks `agentId` for task output over its connection; fails at once when it is not connected
    /// or too old to serve logs, and when it does not answer within the read's wait and 10 s more.
    public func readTaskLog(_ request: TaskLogRequest, on agentId: String) async -> TaskLogReply {
        guard let session = registry.withLock({ $0.entries[agentId]?.session }) else {
            return .failed("agent \(agentId) is not connected")
        }
        guard session.version >= WireProtocol.taskLogsVersion else {
            return .failed("agent \(agentId) runs an older wharf (protocol \(session.version)) that cannot serve task output; upgrade it")
        }
        return await taskLogReads.send(request, on: session, timeout: .seconds(request.waitSeconds + 10))
    }

    /// Whether commands of the term of `epoch` (any term when nil) may go out now.
    private func mayCommand(epoch: Int64? = nil) -> Bool {
        guard case let .leading(current, mayAct, _) = role.withLock({ $0 }) else { return false }
        return (epoch == nil || epoch == current) && mayAct()
    }

    /// Starts leading the term of `epoch`: agents are welcomed with it (once ``AgentHubTerm/open()``
    /// is called, or at once with `open`), every command is stamped with it, and nothing is sent once
    /// `mayAct` says the lease no longer holds. Connections of an earlier term are closed (their
    /// agents come back and are welcomed into this one).
    public func lead(epoch: Int64, mayAct: @escaping @Sendable () -> Bool, open: Bool = true) -> AgentHubTerm {
        let (reports, continuation) = AsyncStream<AgentReport>.makeStream(bufferingPolicy: .unbounded)
        let fresh = Self.registry(configuration, serverId: serverId, epoch: epoch, clusterId: clusterId.withLock { $0 }, reports: continuation)
        let previous = registry.withLock { registry -> AgentRegistry in
            role.withLock { $0 = .leading(epoch: epoch, mayAct: mayAct, open: open) }
            defer { registry = fresh }
            return registry
        }
        end(previous)
        logger.notice("leading: taking agents", metadata: ["epoch": "\(epoch)"])
        return AgentHubTerm(hub: self, epoch: epoch, reports: reports)
    }

    /// Stops leading: every agent connection is closed, and hellos are answered `notLeader` with
    /// `leader` (the leader's agent port, `host:port`, when known) until ``lead(epoch:mayAct:)``.
    public func follow(leader: String?) {
        let (_, continuation) = AsyncStream<AgentReport>.makeStream()
        let previous = registry.withLock { registry -> AgentRegistry? in
            let wasLeading = role.withLock { role -> Bool in
                defer { role = .following(leader: leader) }
                if case .leading = role { return true }
                return false
            }
            guard wasLeading else { return nil }
            defer { registry = Self.registry(configuration, serverId: serverId, epoch: 0, reports: continuation) }
            return registry
        }
        continuation.finish()
        if let previous {
            end(previous)
            logger.notice("following: agents are sent to the leader", metadata: ["leader": "\(leader ?? "not known yet")"])
        }
    }

    /// Starts taking agents into the term of `epoch` (see ``lead(epoch:mayAct:open:)``).
    func open(epoch: Int64) {
        role.withLock { role in
            if case let .leading(current, mayAct, _) = role, current == epoch { role = .leading(epoch: epoch, mayAct: mayAct, open: true) }
        }
    }

    /// While following, sends hellos to `leader` from now on; while leading, does nothing (only
    /// ``follow(leader:)`` ends a term).
    public func redirect(to leader: String?) {
        role.withLock { role in
            if case .following = role { role = .following(leader: leader) }
        }
    }

    /// Closes the connections of a term that ended and ends its report stream.
    private func end(_ registry: AgentRegistry) {
        for session in registry.sessions {
            session.outbox.finish()
            session.close()
        }
        registry.reports.finish()
    }

    /// The agents connected now, by id: peer address, when each was last heard from (heartbeats
    /// included) and its clock's offset.
    public func connections() -> [String: AgentConnection] {
        let (now, wall) = (Self.now(), Timestamp.now())
        return registry.withLock { registry in
            var connections: [String: AgentConnection] = [:]
            for entry in registry.entries.values {
                guard let session = entry.session else { continue }
                connections[session.agentId] = AgentConnection(
                    address: session.address, lastHeard: wall.adding(seconds: entry.lastHeard - now),
                    clockOffsetSeconds: entry.clockOffset)
            }
            return connections
        }
    }

    /// The largest hello accepted (an agent's offer with thousands of ports in use fits easily).
    static let maxHelloBytes = 1 << 20

    /// Beyond this, an agent's clock offset is logged as a warning: task timestamps come from it.
    static let clockOffsetWarningSeconds = 5.0

    /// The port agents connect to, once ``run()`` listens (useful with port 0); throws when binding failed.
    public func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<Int, any Error>? = bound.withLock { state in
                switch state {
                case var .waiting(waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                case let .bound(port): return .success(port)
                case let .failed(error): return .failure(error)
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// Listens for agents until graceful shutdown, then closes every connection (agents keep their
    /// tasks and reconnect to the next server).
    public func run() async throws {
        let listener: NIOAsyncChannel<WireConnection.Channel, Never>
        do {
            let maxFrame = configuration.maxFrameBytes
            listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: configuration.bindAddress, port: configuration.port) { channel in
                    // Until its hello is checked, a peer may send no more than a hello needs.
                    channel.eventLoop.makeCompletedFuture {
                        try WireConnection.wrap(channel, maxFrameBytes: maxFrame, firstFrameMaxBytes: Self.maxHelloBytes)
                    }
                }
        } catch {
            settle(.failure(error))
            throw error
        }
        let port = listener.channel.localAddress?.port ?? configuration.port
        settle(.success(port))
        logger.info("listening for agents", metadata: [
            "address": "\(configuration.bindAddress)", "port": "\(port)", "agentTimeout": "\(configuration.agentTimeoutSeconds)",
        ])
        let closeAll: @Sendable () -> Void = {
            listener.channel.close(promise: nil)
            for session in self.registry.withLock({ $0.sessions }) { session.outbox.finish() }
            for channel in self.openChannels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
        }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await self.tickLoop() }
                    try await listener.executeThenClose { connections in
                        for try await connection in connections {
                            group.addTask { await self.serve(connection) }
                        }
                    }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                closeAll()
            }
        } onCancel: {
            closeAll()
        }
        logger.info("agent port closed")
    }

    // MARK: - Connections

    private func serve(_ connection: WireConnection.Channel) async {
        let address = WireConnection.describe(connection.channel.remoteAddress)
        let channel = connection.channel
        openChannels.withLock { $0[ObjectIdentifier(channel)] = channel }
        defer { openChannels.withLock { $0[ObjectIdentifier(channel)] = nil } }
        let handshakeTimeout = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(configuration.handshakeTimeoutSeconds * 1e9))) {
            channel.close(promise: nil)
        }
        var agentId = ""
        do {
            try await connection.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                guard let first = try await WireConnection.read(&iterator, agentId: "") else {
                    throw ConnectionEnd.closedBeforeHello
                }
                guard case let .hello(hello) = first else { throw ConnectionEnd.notHello(first.typeName) }
                agentId = hello.agentId
                let session: AgentRegistry.Session
                switch admit(hello, address: address, channel: channel) {
                case let .failure(refusal):
                    logger.warning("agent refused", metadata: [
                        "agent": "\(hello.agentId)", "address": "\(address)", "code": "\(refusal.code.rawValue)", "reason": "\(refusal.reason)",
                    ])
                    try await WireConnection.write(.refused(refusal), to: outbound)
                    // The agent closes once it has read why; the handshake timeout bounds the wait.
                    _ = try? await iterator.next()
                    return
                case let .success((admitted, outbox)):
                    handshakeTimeout.cancel()
                    session = admitted
                    let feed = hello.followsCatalog ? discovery.withLock { $0 } : nil
                    // This connection says whether the agent's router counts now (a replaced
                    // connection's say no longer does).
                    if let routing = discovery.withLock({ $0?.routing }) {
                        if feed != nil && hello.servesRoutes {
                            routing.attach(session.agentId)
                        } else {
                            routing.detach(session.agentId)
                        }
                    }
                    // The catalog feed sends its next delta only once the previous one is on the
                    // socket: a slow connection gets fewer, larger deltas, not a growing queue.
                    let (catalogWritten, catalogSent) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            // A command goes out only while the lease holds: a leader paused past
                            // it drops the connection instead of writing what it had queued.
                            try await WireConnection.drain(outbox, into: outbound, mayWrite: { message in
                                guard case .command = message else { return true }
                                return self.mayCommand()
                            }, written: { message in
                                if message.typeName == "catalog" { catalogSent.yield() }
                            })
                        }
                        if let feed {
                            group.addTask { try await self.feedCatalog(feed.catalog, to: session, written: catalogWritten) }
                        }
                        defer { group.cancelAll() }
                        try await self.readReports(&iterator, session: session, routing: feed?.routing)
                    }
                }
            }
        } catch {
            logger.warning("agent connection closed", metadata: [
                "agent": "\(agentId.isEmpty ? "unknown" : agentId)", "address": "\(address)", "reason": "\(error)",
            ])
        }
        handshakeTimeout.cancel()
    }

    /// Checks a hello and, when it passes, makes its connection the agent's current one.
    private func admit(_ hello: WireHello, address: String, channel: any Channel)
        -> Result<(AgentRegistry.Session, AsyncStream<WireMessage>), WireRefusal> {
        let version: Int
        switch WireProtocol.evaluate(hello, token: configuration.token, supported: configuration.protocolVersions) {
        case let .failure(refusal): return .failure(refusal)
        case let .success(chosen): version = chosen
        }
        switch role.withLock({ $0 }) {
        case let .following(leader):
            return .failure(WireRefusal(code: .notLeader, reason: leader.map { "this server does not lead; the leader takes agents on \($0)" }
                ?? "this server does not lead and no leader is elected yet", leader: leader))
        case .leading(_, _, open: false):
            return .failure(WireRefusal(code: .notLeader, reason: "this server is taking over as leader (loading the state); try again shortly"))
        case .leading:
            break
        }
        let (outbox, continuation) = AsyncStream<WireMessage>.makeStream(bufferingPolicy: .unbounded)
        let serial = serials.withLock { serial -> UInt64 in
            serial += 1
            return serial
        }
        let session = AgentRegistry.Session(
            serial: serial, agentId: hello.agentId, processId: hello.processId, address: address, version: version, outbox: continuation,
            close: { channel.close(promise: nil) })
        let now = Self.now()
        switch registry.withLock({ $0.admit(session, hello: hello, version: version, now: now) }) {
        case let .failure(refusal):
            return .failure(refusal)
        case let .success(replaced):
            if let replaced {
                replaced.outbox.finish()
                replaced.close()
                logger.info("agent reconnected; its previous connection is closed", metadata: [
                    "agent": "\(hello.agentId)", "previous": "\(replaced.address)",
                ])
            }
            logger.info("agent connected", metadata: [
                "agent": "\(hello.agentId)", "address": "\(address)", "host": "\(hello.agent.host)",
                "hostname": "\(hello.agent.hostname)", "protocol": "\(version)", "software": "\(hello.software)",
            ])
            if let clock = hello.clock {
                let offset = Double(clock.millis - Timestamp.now().millis) / 1000
                if abs(offset) > Self.clockOffsetWarningSeconds {
                    logger.warning("the agent's clock is off: its task timestamps (startedAt, status times) will be too; synchronise it (NTP)", metadata: [
                        "agent": "\(hello.agentId)", "offsetSeconds": "\(offset.rounded())",
                    ])
                }
            }
            return .success((session, outbox))
        }
    }

    /// Reads the agent's messages until it closes the connection, this connection is replaced, or
    /// a frame is bad (thrown).
    private func readReports(_ iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
                             session: AgentRegistry.Session, routing: RoutingBarrier?) async throws {
        defer {
            taskLogReads.abandon(serial: session.serial, agentId: session.agentId)
            if registry.withLock({ $0.ended(session) }) {
                // Its router no longer tells what it serves: kills stop waiting for it.
                routing?.detach(session.agentId)
                logger.info("agent disconnected; it becomes unreachable unless it reconnects within the agent timeout", metadata: [
                    "agent": "\(session.agentId)", "address": "\(session.address)",
                    "agentTimeout": "\(configuration.agentTimeoutSeconds)",
                ])
            }
        }
        while let message = try await WireConnection.read(&iterator, agentId: session.agentId) {
            let now = Self.now()
            let current: Bool
            switch message {
            case .heartbeat:
                current = registry.withLock { $0.heard(on: session, now: now) }
            case let .report(report):
                current = registry.withLock { $0.received(report, on: session, now: now) }
            case let .routesApplied(index):
                current = registry.withLock { $0.heard(on: session, now: now) }
                if current { routing?.applied(index, by: session.agentId) }
            case let .logData(requestId, reply):
                current = registry.withLock { $0.heard(on: session, now: now) }
                taskLogReads.answer(requestId, serial: session.serial, with: reply)
            case .hello, .welcome, .refused, .command, .catalog, .encoded, .logRead:
                throw ConnectionEnd.unexpected(message.typeName)
            }
            guard current else { return }
        }
    }

    /// Sends `catalog` to the agent of `session`: a full copy, then on every change what changed
    /// since the last one sent, until the session ends. At most one delta is queued at a time: the
    /// next goes out once `written` says the previous one is on the socket, and the changes made
    /// meanwhile are merged into it.
    /// Frames are shared with the other connections at the same index (``CatalogFrameCache``). A
    /// copy too big for a frame ends the connection (thrown), with the reason logged.
    private func feedCatalog(_ catalog: Catalog, to session: AgentRegistry.Session, written: AsyncStream<Void>) async throws {
        var sent: UInt64 = 0
        var writes = written.makeAsyncIterator()
        for await snapshot in catalog.changes() {
            guard !Task.isCancelled else { return }
            guard snapshot.index != sent else { continue }
            session.outbox.yield(.encoded(type: "catalog", frame: try catalogFrames.frame(for: snapshot, since: sent)))
            sent = snapshot.index
            guard await writes.next() != nil else { return }
        }
    }

    /// Why a connection ended other than by a transport error.
    private enum ConnectionEnd: Error, CustomStringConvertible {
        case closedBeforeHello
        case notHello(String)
        case unexpected(String)

        var description: String {
            switch self {
            case .closedBeforeHello: "closed before sending a hello"
            case let .notHello(type): "first message is '\(type)', not a hello"
            case let .unexpected(type): "an agent does not send '\(type)' messages"
            }
        }
    }

    // MARK: - Timers

    /// Sends heartbeats, re-sends unconfirmed launches and declares silent agents unreachable, a
    /// few times per heartbeat interval.
    private func tickLoop() async {
        let period = min(0.25, configuration.agentTimeoutSeconds / 10)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(Int64(period * 1000)))
            } catch {
                return
            }
            if case .leading = role.withLock({ $0 }), !mayCommand() {
                // The lease may have run out: no more commands (resent launches included) until
                // the leadership decides (it steps down, or renews).
                continue
            }
            let now = Self.now()
            let effects = registry.withLock { $0.tick(now: now) }
            for session in effects.close { session.close() }
            let routing = discovery.withLock { $0?.routing }
            for (agentId, reason) in effects.unreachable {
                // Silent: whatever its router serves, kills no longer wait for it.
                routing?.detach(agentId)
                logger.warning("agent unreachable", metadata: ["agent": "\(agentId)", "reason": "\(reason)"])
            }
            for (agentId, instanceId, attempt) in effects.resent {
                logger.info("launch not confirmed by the agent; sent again", metadata: [
                    "agent": "\(agentId)", "instance": "\(instanceId)", "attempt": "\(attempt)",
                ])
            }
        }
    }

    private func settle(_ result: Result<Int, any Error>) {
        let waiters = bound.withLock { state -> [CheckedContinuation<Int, any Error>] in
            guard case let .waiting(waiters) = state else { return [] }
            switch result {
            case let .success(port): state = .bound(port)
            case let .failure(error): state = .failed(error)
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        Double(NIODeadline.now().uptimeNanoseconds) / 1e9
    }
}

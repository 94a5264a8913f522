import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
import WharfDiscovery
import WharfModel
@testable import WharfServer

/// The agent link end to end over loopback TCP: a real ``AgentHub`` and ``AgentUplink`` around a
/// stand-in agent.
@Suite("Agent link: hub and uplink over TCP", .timeLimit(.minutes(3)))
struct AgentLinkTests {
    static let token = "link-test-token-0123456789"

    /// A stand-in agent: records the commands it is given, reports what the test says, and answers
    /// `reconcile` with an empty full state.
    final class FakeAgent: AgentEndpoint {
        let id: String
        let reports: AsyncStream<AgentReport>
        let commands: AsyncStream<AgentCommand>
        private let reportContinuation: AsyncStream<AgentReport>.Continuation
        private let commandContinuation: AsyncStream<AgentCommand>.Continuation

        init(id: String = "agent-\(UUID().uuidString.prefix(8).lowercased())") {
            self.id = id
            (reports, reportContinuation) = AsyncStream.makeStream()
            (commands, commandContinuation) = AsyncStream.makeStream()
        }

        func start() async {}

        var currentInfo: AgentInfo {
            get async {
                AgentInfo(id: id, host: "127.0.0.9", capacity: Resources(cpus: 1, mem: 128, disk: 10),
                          portRanges: [PortRange(begin: 10000, end: 10010)])
            }
        }

        func submit(_ command: AgentCommand) {
            if case .reconcile = command { reportContinuation.yield(.fullState(agentId: id, [])) }
            commandContinuation.yield(command)
        }

        func report(_ report: AgentReport) { reportContinuation.yield(report) }
    }

    /// A running hub on a free port.
    struct RunningHub {
        let hub: AgentHub
        let port: Int
        let task: Task<Void, any Error>

        static func start(timeout: Double = 5, versions: ClosedRange<Int> = WireProtocol.versions, maxFrame: Int = 1 << 20) async throws -> RunningHub {
            var configuration = AgentHubConfiguration(bindAddress: "127.0.0.1", port: 0, token: AgentLinkTests.token,
                                                      agentTimeoutSeconds: timeout, maxFrameBytes: maxFrame, handshakeTimeoutSeconds: 5)
            configuration.protocolVersions = versions
            let hub = AgentHub(configuration: configuration, logger: Logger(label: "test.hub"))
            let task = Task { try await hub.run() }
            return RunningHub(hub: hub, port: try await hub.boundPort(), task: task)
        }

        func stop() async {
            task.cancel()
            _ = await task.result
        }
    }

    static func uplink(_ agent: FakeAgent, ports: [Int], token: String = token, versions: ClosedRange<Int> = WireProtocol.versions) throws -> AgentUplink {
        var configuration = AgentUplinkConfiguration(
            servers: ports.map { JoinAddress(host: "127.0.0.1", port: $0) }, token: token, hostname: "node-test",
            connectTimeoutSeconds: 2, reconnectDelay: (0.05, 0.2))
        configuration.protocolVersions = versions
        return try AgentUplink(agent: agent, configuration: configuration, logger: Logger(label: "test.uplink"))
    }

    /// The next element of `stream` that `match` accepts, within `seconds`.
    static func next<T: Sendable, R: Sendable>(_ stream: AsyncStream<T>, within seconds: Double = 10, _ match: @escaping @Sendable (T) -> R?) async throws -> R {
        try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                for await element in stream {
                    if let found = match(element) { return found }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let found = try await group.next() ?? nil else {
                throw TestFailure("nothing matching arrived within \(seconds) s")
            }
            return found
        }
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test("a joined agent is registered with its full state; commands go down and statuses come up")
    func joins() async throws {
        let server = try await RunningHub.start()
        let agent = FakeAgent()
        let uplink = Task { try await Self.uplink(agent, ports: [server.port]).run() }
        defer { uplink.cancel() }

        let info = try await Self.next(server.hub.reports) { report -> AgentInfo? in
            if case let .registered(info) = report { return info }
            return nil
        }
        #expect(info.id == agent.id)
        #expect(info.hostname == "node-test")
        _ = try await Self.next(server.hub.reports) { report -> Bool? in
            if case .fullState(agent.id, _) = report { return true }
            return nil
        }
        #expect(server.hub.connections().keys.sorted() == [agent.id])

        let kill = KillTask(instanceId: "x.instance-1", gracePeriodSeconds: 1, reason: "test")
        server.hub.send(.kill(kill), to: agent.id)
        let received = try await Self.next(agent.commands) { command -> KillTask? in
            if case let .kill(task) = command { return task }
            return nil
        }
        #expect(received == kill)

        try await Self.expectStatusArrives(TaskStatus(instanceId: "x.instance-1", incarnation: 1, state: .killed, timestamp: .now()),
                                           from: agent, at: server)
        uplink.cancel()
        _ = await uplink.result
        await server.stop()
    }

    @Test("a wrong token is refused: the agent stops with the server's reason and is never registered")
    func wrongToken() async throws {
        let server = try await RunningHub.start()
        let intruder = FakeAgent()
        await #expect {
            try await Self.uplink(intruder, ports: [server.port], token: "wrong-token").run()
        } throws: { error in
            "\(error)".contains("refused this agent: wrong cluster token")
        }
        // The next registration the control plane hears of is a legitimate one.
        let honest = FakeAgent()
        let uplink = Task { try await Self.uplink(honest, ports: [server.port]).run() }
        let first = try await Self.next(server.hub.reports) { report -> String? in
            if case let .registered(info) = report { return info.id }
            return nil
        }
        #expect(first == honest.id)
        uplink.cancel()
        _ = await uplink.result
        await server.stop()
    }

    @Test("without a common protocol version both sides refuse, naming the versions")
    func versionMismatch() async throws {
        let server = try await RunningHub.start(versions: 1...1)
        await #expect {
            try await Self.uplink(FakeAgent(), ports: [server.port], versions: 2...2).run()
        } throws: { error in
            "\(error)".contains("no common protocol version: the agent speaks 2, this server speaks 1")
        }
        await server.stop()

        let newer = try await RunningHub.start(versions: 1...2)
        let agent = FakeAgent()
        let uplink = Task { try await Self.uplink(agent, ports: [newer.port], versions: 1...1).run() }
        _ = try await Self.next(newer.hub.reports) { report -> Bool? in
            if case .registered = report { return true }
            return nil
        }
        uplink.cancel()
        _ = await uplink.result
        await newer.stop()
    }

    @Test("an oversized or malformed frame closes only its own connection")
    func badFrames() async throws {
        let server = try await RunningHub.start(maxFrame: 1024)
        let agent = FakeAgent()
        let uplink = Task { try await Self.uplink(agent, ports: [server.port]).run() }
        defer { uplink.cancel() }
        _ = try await Self.next(server.hub.reports) { report -> Bool? in
            if case .fullState = report { return true }
            return nil
        }

        var oversized = ByteBuffer()
        oversized.writeInteger(UInt32(1 << 30), endianness: .big)
        var garbage = ByteBuffer()
        garbage.writeInteger(UInt32(9), endianness: .big)
        garbage.writeString("not json!")
        for bytes in [oversized, garbage] {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: server.port).get()
            try await channel.writeAndFlush(bytes)
            try await Self.closed(channel, within: 5)
        }

        // The agent that behaves is still served.
        try await Self.expectStatusArrives(TaskStatus(instanceId: "y.instance-1", incarnation: 1, state: .running, timestamp: .now()),
                                           from: agent, at: server)
        uplink.cancel()
        _ = await uplink.result
        await server.stop()
    }

    @Test("before its hello is accepted a peer may send no frame bigger than a hello needs")
    func bigFirstFrameRefused() async throws {
        let server = try await RunningHub.start(maxFrame: 8 << 20)
        var announce = ByteBuffer()
        announce.writeInteger(UInt32(AgentHub.maxHelloBytes + 1), endianness: .big)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: server.port).get()
        try await channel.writeAndFlush(announce)
        try await Self.closed(channel, within: 5)
        await server.stop()
    }

    @Test("when its server goes away the agent joins the next one, and a silent agent is reported unreachable")
    func failover() async throws {
        let first = try await RunningHub.start(timeout: 1)
        let second = try await RunningHub.start(timeout: 1)
        let agent = FakeAgent()
        let uplink = Task { try await Self.uplink(agent, ports: [first.port, second.port]).run() }
        _ = try await Self.next(first.hub.reports) { report -> Bool? in
            if case .registered = report { return true }
            return nil
        }
        await first.stop()
        _ = try await Self.next(second.hub.reports) { report -> Bool? in
            if case .registered = report { return true }
            return nil
        }
        uplink.cancel()
        _ = await uplink.result
        let reason = try await Self.next(second.hub.reports) { report -> String? in
            if case let .unreachable(id, reason) = report, id == agent.id { return reason }
            return nil
        }
        #expect(reason.contains("nothing heard from it"))
        await second.stop()
    }

    @Test("an agent that serves the catalog gets a full copy and then its changes; its router's index counts for kills until it falls silent")
    func catalogFeedAndRoutingBarrier() async throws {
        let server = try await RunningHub.start(timeout: 3)
        let catalog = Catalog(startIndex: 1_000)
        let routing = RoutingBarrier()
        server.hub.follow(catalog, routing: routing)
        catalog.replace([PathId("/web"): CatalogMirrorFixtures.services("/web", instances: 1)])

        // A real uplink with a mirror: the full copy, then a delta.
        let agent = FakeAgent()
        var configuration = AgentUplinkConfiguration(servers: [JoinAddress(host: "127.0.0.1", port: server.port)],
                                                     token: Self.token, hostname: "node-test", connectTimeoutSeconds: 2)
        let mirror = Catalog(startIndex: 1)
        configuration.mirror = mirror
        configuration.servesRoutes = true
        let uplink = try AgentUplink(agent: agent, configuration: configuration, logger: Logger(label: "test.uplink"))
        let running = Task { try await uplink.run() }
        defer { running.cancel() }
        try await Self.eventually("the mirror holds the full copy") { mirror.snapshot.index == catalog.snapshot.index }
        #expect(mirror.snapshot.services["web"]?.endpoints.count == 1)
        catalog.replace([PathId("/web"): CatalogMirrorFixtures.services("/web", instances: 3)])
        try await Self.eventually("the change arrives") { mirror.snapshot.services["web"]?.endpoints.count == 3 }
        #expect(mirror.snapshot.index == catalog.snapshot.index)

        // Its router counts: a kill waits for it, and its report releases the wait.
        #expect(routing.appliedIndexes[agent.id] == 0)
        let index = catalog.snapshot.index
        let waiting = Task { await routing.wait(forIndex: index, timeout: .seconds(20)) }
        uplink.routesApplied(index)
        #expect(await waiting.value, "released by the agent's report, not by the timeout")
        #expect(routing.appliedIndexes[agent.id] == index)

        // A raw agent that says hello, then never sends anything again (a frozen node whose socket
        // stays open): once it is unreachable, kills no longer wait for it.
        var info = await agent.currentInfo
        info.id = "frozen-agent"
        let hello = WireHello(protocol: WireProtocol.name, versions: [1], agentId: "frozen-agent", processId: "p-frozen",
                              token: Self.token, agent: info, software: "test", followsCatalog: true, servesRoutes: true)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: server.port).get()
        try await channel.writeAndFlush(try WireFrame.encode(.hello(hello)))
        try await Self.eventually("the frozen agent is attached") { routing.appliedIndexes["frozen-agent"] != nil }
        _ = try await Self.next(server.hub.reports) { report -> Bool? in
            if case .unreachable("frozen-agent", _) = report { return true }
            return nil
        }
        try await Self.eventually("the frozen agent is detached") { routing.appliedIndexes["frozen-agent"] == nil }
        #expect(await routing.wait(forIndex: index, timeout: .seconds(20)))
        channel.close(promise: nil)
        running.cancel()
        _ = await running.result
        await server.stop()
    }

    /// Waits (polling, bounded) until `condition` holds.
    static func eventually(_ what: String, within seconds: Double = 10, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// `agent` reports `status`; the server's report stream carries it unchanged.
    static func expectStatusArrives(_ status: TaskStatus, from agent: FakeAgent, at server: RunningHub) async throws {
        agent.report(.status(agentId: agent.id, status))
        let up = try await next(server.hub.reports) { report -> TaskStatus? in
            if case let .status(_, status) = report { return status }
            return nil
        }
        #expect(up == status)
    }

    /// Waits until the server has closed `channel`.
    static func closed(_ channel: any Channel, within seconds: Double) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await channel.closeFuture.get()
                return true
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                return false
            }
            defer { group.cancelAll() }
            guard try await group.next() == true else {
                channel.close(promise: nil)
                throw TestFailure("the server did not close the connection within \(seconds) s")
            }
        }
    }
}

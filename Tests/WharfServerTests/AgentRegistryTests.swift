import Foundation
import Testing
import WharfModel
@testable import WharfServer

/// The server's book of agent connections, driven with explicit times.
@Suite("Agent link: the server's registry of connections", .timeLimit(.minutes(2)))
struct AgentRegistryTests {
    /// A registry with a 10 s timeout and its report stream.
    struct Fixture {
        var registry: AgentRegistry
        let reports: AsyncStream<AgentReport>

        init(timeout: Double = 10) {
            let (reports, continuation) = AsyncStream<AgentReport>.makeStream()
            self.reports = reports
            registry = AgentRegistry(timeout: timeout, launchResend: 5, serverId: "server-1", reports: continuation)
        }

        /// What the registry reported so far.
        func drained() async -> [AgentReport] {
            var iterator = reports.makeAsyncIterator()
            var out: [AgentReport] = []
            // Everything is yielded synchronously; a sentinel from the test ends the read.
            registry.reports.yield(.portsInUse(agentId: "sentinel", []))
            while let report = await iterator.next() {
                if case .portsInUse("sentinel", _) = report { break }
                out.append(report)
            }
            return out
        }
    }

    /// A connection whose outbox the test reads.
    struct Connection {
        let session: AgentRegistry.Session
        let outbox: AsyncStream<WireMessage>
        let closed: LockedFlag

        init(agentId: String = "agent-1", process: String = "p1", serial: UInt64 = 1) {
            let (outbox, continuation) = AsyncStream<WireMessage>.makeStream()
            let closed = LockedFlag()
            self.outbox = outbox
            self.closed = closed
            session = AgentRegistry.Session(serial: serial, agentId: agentId, processId: process, address: "127.0.0.1:\(4000 + serial)",
                                            outbox: continuation, close: { closed.set() })
        }

        /// Messages queued so far (finishes the outbox).
        func sent() async -> [WireMessage] {
            session.outbox.finish()
            var out: [WireMessage] = []
            for await message in outbox { out.append(message) }
            return out
        }
    }

    static func hello(agentId: String = "agent-1", process: String = "p1") -> WireHello {
        var info = WireFormatTests.info
        info.id = agentId
        return WireHello(protocol: WireProtocol.name, versions: [1], agentId: agentId, processId: process, token: "t", agent: info,
                         software: "test")
    }

    @Test("an agent's clock offset is taken from its hello; one far off is warned about on its node")
    func clockOffset() throws {
        var fixture = Fixture()
        var hello = Self.hello()
        hello.clock = Timestamp.now().adding(seconds: 90)
        _ = try fixture.registry.admit(Connection().session, hello: hello, version: 1, now: 100).get()
        let offset = try #require(fixture.registry.entries["agent-1"]?.clockOffset)
        #expect(offset > 80 && offset <= 90, "\(offset)")

        let connection = AgentConnection(address: "127.0.0.1:4001", lastHeard: .now(), clockOffsetSeconds: offset)
        let node = AgentNode(id: "agent-1", info: hello.agent, status: .ready, drain: nil, used: .zero, instances: 0,
                             lastSeen: nil, routerIndex: nil, connection: connection)
        #expect(node.warnings.count == 1 && node.warnings[0].contains("ahead of the server's"), "\(node.warnings)")
        var inTime = node
        inTime.connection?.clockOffsetSeconds = 0.2
        #expect(inTime.warnings.isEmpty)
    }

    @Test("an agent whose tasks hold more than it now offers is warned about")
    func overcommitted() {
        var info = WireFormatTests.info
        info.capacity = Resources(cpus: 1, mem: 512, disk: 0)
        let node = AgentNode(id: "agent-1", info: info, status: .ready, drain: nil, used: Resources(cpus: 3, mem: 256, disk: 0),
                             instances: 3, lastSeen: nil, routerIndex: nil, connection: nil)
        #expect(node.warnings.count == 1 && node.warnings[0].contains("hold more than it offers"), "\(node.warnings)")
    }

    @Test("a kill sent on a connection that ends before any answer goes out again on the next; an answered one does not")
    func unansweredKillsCarryOver() async throws {
        var fixture = Fixture()
        let first = Connection(serial: 1)
        _ = try fixture.registry.admit(first.session, hello: Self.hello(), version: 1, now: 100).get()
        let lost = KillTask(instanceId: "x.instance-lost", gracePeriodSeconds: 3, reason: "scaling down")
        let answered = KillTask(instanceId: "x.instance-answered", gracePeriodSeconds: 3, reason: "scaling down")
        let dropped = [fixture.registry.send(.kill(lost), to: "agent-1", now: 101),
                       fixture.registry.send(.kill(answered), to: "agent-1", now: 101)]
        #expect(dropped == [nil, nil])
        _ = fixture.registry.received(.status(agentId: "agent-1", TaskStatus(
            instanceId: answered.instanceId, incarnation: 1, state: .killing, timestamp: .now())), on: first.session, now: 102)
        let wasCurrent = fixture.registry.ended(first.session)
        #expect(wasCurrent)

        let second = Connection(serial: 2)
        _ = try fixture.registry.admit(second.session, hello: Self.hello(), version: 1, now: 103).get()
        let kills = await second.sent().compactMap { message -> String? in
            if case let .command(.kill(kill), _) = message { return kill.instanceId }
            return nil
        }
        #expect(kills == [lost.instanceId])
    }

    @Test("an admitted connection is welcomed first, then the agent is reported registered")
    func admit() async throws {
        var fixture = Fixture()
        let connection = Connection()
        let r1 = try fixture.registry.admit(connection.session, hello: Self.hello(), version: 1, now: 100).get()
        #expect(r1 == nil)
        let sent = await connection.sent()
        guard case let .welcome(welcome)? = sent.first else {
            Issue.record("first message is not a welcome: \(sent)")
            return
        }
        #expect(welcome.heartbeatSeconds == 2 && welcome.timeoutSeconds == 10 && welcome.serverId == "server-1")
        let reports = await fixture.drained()
        #expect(reports.count == 1)
        if case let .registered(info)? = reports.first { #expect(info.id == "agent-1") } else { Issue.record("\(reports)") }
    }

    @Test("another live process claiming the id is refused; the same process, or one after the timeout, replaces the connection")
    func duplicates() throws {
        var fixture = Fixture()
        let first = Connection(process: "p1", serial: 1)
        _ = try fixture.registry.admit(first.session, hello: Self.hello(process: "p1"), version: 1, now: 100).get()

        let other = Connection(process: "p2", serial: 2)
        guard case let .failure(refusal) = fixture.registry.admit(other.session, hello: Self.hello(process: "p2"), version: 1, now: 105) else {
            Issue.record("a second process with the same id was admitted")
            return
        }
        #expect(refusal.code == .duplicateAgent && !refusal.isFatal)
        #expect(refusal.reason.contains("--data-dir"))

        let again = Connection(process: "p1", serial: 3)
        let replaced = try fixture.registry.admit(again.session, hello: Self.hello(process: "p1"), version: 1, now: 106).get()
        #expect(replaced?.serial == 1)

        let late = Connection(process: "p2", serial: 4)
        let afterTimeout = try fixture.registry.admit(late.session, hello: Self.hello(process: "p2"), version: 1, now: 117).get()
        #expect(afterTimeout?.serial == 3)
        // The replaced connection's reports are no longer taken.
        let r2 = fixture.registry.received(.portsInUse(agentId: "agent-1", []), on: again.session, now: 118)
        #expect(!r2)
    }

    @Test("an agent silent for the timeout is reported unreachable once, and its connection closed")
    func unreachable() async throws {
        var fixture = Fixture(timeout: 3)
        let connection = Connection()
        _ = try fixture.registry.admit(connection.session, hello: Self.hello(), version: 1, now: 0).get()
        let r3 = fixture.registry.heard(on: connection.session, now: 2)
        #expect(r3)
        let r4 = fixture.registry.tick(now: 4.9)
        #expect(r4.unreachable.isEmpty)
        let effects = fixture.registry.tick(now: 5.1)
        #expect(effects.unreachable.map(\.agentId) == ["agent-1"])
        #expect(effects.close.map(\.serial) == [1])
        let r5 = fixture.registry.tick(now: 9)
        #expect(r5.unreachable.isEmpty)
        let reports = await fixture.drained()
        #expect(reports.count == 2)
        if case let .unreachable(agentId, reason)? = reports.last {
            #expect(agentId == "agent-1" && reason.contains("3.1 s"))
        } else {
            Issue.record("\(reports)")
        }
    }

    @Test("a disconnected agent becomes unreachable after the timeout unless it reconnects; kills meanwhile are held for it")
    func awayAndBack() async throws {
        var fixture = Fixture(timeout: 3)
        let first = Connection(serial: 1)
        _ = try fixture.registry.admit(first.session, hello: Self.hello(), version: 1, now: 0).get()
        let r6 = fixture.registry.ended(first.session)
        #expect(r6)
        let kill = KillTask(instanceId: "x.instance-1", gracePeriodSeconds: 1, reason: "scale down")
        let r7 = fixture.registry.send(.kill(kill), to: "agent-1", now: 1)
        #expect(r7 == nil)
        let r8 = fixture.registry.send(.launch(WireFormatTests.launch()), to: "agent-1", now: 1)
        #expect(r8 == "the agent is not connected")
        let r9 = fixture.registry.send(.reconcile, to: "agent-9", now: 1)
        #expect(r9 == "the agent has not connected since this server started")
        let r10 = fixture.registry.tick(now: 2)
        #expect(r10.unreachable.isEmpty)

        let second = Connection(serial: 2)
        _ = try fixture.registry.admit(second.session, hello: Self.hello(), version: 1, now: 2.5).get()
        let r11 = fixture.registry.tick(now: 4)
        #expect(r11.unreachable.isEmpty)
        let sent = await second.sent()
        #expect(sent.count >= 2)
        #expect(sent.dropFirst().first == .command(.kill(kill), epoch: 0))
        #expect(!sent.contains { $0.typeName == "launch" })
    }

    @Test("kills for an agent that has not connected since the server started are delivered when it does")
    func killsBeforeFirstConnection() async throws {
        var fixture = Fixture()
        let kill = KillTask(instanceId: "x.instance-2", gracePeriodSeconds: 1, reason: "scale down")
        let held = fixture.registry.send(.kill(kill), to: "agent-1", now: 0)
        #expect(held == nil)
        let connection = Connection()
        _ = try fixture.registry.admit(connection.session, hello: Self.hello(), version: 1, now: 1).get()
        let sent = await connection.sent()
        #expect(sent.count == 2 && sent.last == .command(.kill(kill), epoch: 0))
    }

    @Test("a launch no report confirms is sent again, with growing delays; a status of its instance confirms it")
    func launchResend() async throws {
        var fixture = Fixture(timeout: 1000)
        let connection = Connection()
        _ = try fixture.registry.admit(connection.session, hello: Self.hello(), version: 1, now: 0).get()
        let launch = WireFormatTests.launch()
        let r12 = fixture.registry.send(.launch(launch), to: "agent-1", now: 0)
        #expect(r12 == nil)
        let r13 = fixture.registry.tick(now: 4.9)
        #expect(r13.resent.isEmpty)
        let r14 = fixture.registry.tick(now: 5)
        #expect(r14.resent.map(\.attempt) == [2])
        let r15 = fixture.registry.tick(now: 14)
        #expect(r15.resent.isEmpty)
        let r16 = fixture.registry.tick(now: 15)
        #expect(r16.resent.map(\.attempt) == [3])
        let status = TaskStatus(instanceId: launch.instance.id, incarnation: 1, state: .running, timestamp: .now())
        let r17 = fixture.registry.received(.status(agentId: "agent-1", status), on: connection.session, now: 16)
        #expect(r17)
        let r18 = fixture.registry.tick(now: 100)
        #expect(r18.resent.isEmpty)
        let launches = await connection.sent().filter { $0.typeName == "launch" }
        #expect(launches.count == 3)
    }

    @Test("heartbeats go out every interval to each connected agent")
    func heartbeats() async throws {
        var fixture = Fixture(timeout: 10)
        let connection = Connection()
        _ = try fixture.registry.admit(connection.session, hello: Self.hello(), version: 1, now: 0).get()
        for time in stride(from: 0.25, through: 6.0, by: 0.25) {
            _ = fixture.registry.heard(on: connection.session, now: time)
            _ = fixture.registry.tick(now: time)
        }
        let beats = await connection.sent().filter { $0 == .heartbeat(intervalSeconds: 2) }
        #expect(beats.count == 3)
    }
}

/// A flag set from a `@Sendable` closure.
final class LockedFlag: Sendable {
    private let value = LockedValue(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

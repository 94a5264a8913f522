import Foundation
import Logging
import Testing
import WharfModel
@testable import WharfServer

/// Leadership terms on the agent link: followers send agents to the leader, every command carries
/// the leader's epoch, agents refuse replaced leaders, and a leader whose lease ran out sends nothing.
@Suite("Agent link: leadership terms and epochs", .timeLimit(.minutes(3)))
struct LeaderTermTests {
    typealias Link = AgentLinkTests

    static func kill(_ id: String) -> AgentCommand {
        .kill(KillTask(instanceId: id, gracePeriodSeconds: 1, drainSeconds: 0, reason: "test"))
    }

    /// The id of the next kill the agent is given.
    static func nextKill(_ agent: Link.FakeAgent) async throws -> String {
        try await Link.next(agent.commands) { command -> String? in
            if case let .kill(kill) = command { return kill.instanceId }
            return nil
        }
    }

    /// Stops the agent, then the hubs.
    static func finish(_ uplink: Task<Void, any Error>, _ hubs: Link.RunningHub...) async {
        uplink.cancel()
        _ = await uplink.result
        for hub in hubs { await hub.stop() }
    }

    static func registered(_ reports: AsyncStream<AgentReport>) async throws {
        _ = try await Link.next(reports) { report -> Bool? in
            if case .registered = report { return true }
            return nil
        }
    }

    @Test("a follower sends the agent to the leader, which welcomes it into its term and reaches it")
    func followerRedirects() async throws {
        let leader = try await Link.RunningHub.start()
        let follower = try await Link.RunningHub.start()
        let term = leader.hub.lead(epoch: 40, mayAct: { true })
        follower.hub.follow(leader: "127.0.0.1:\(leader.port)")
        let agent = Link.FakeAgent()
        // The agent knows only the follower: the refusal names the leader.
        let uplink = Task { try await Link.uplink(agent, ports: [follower.port]).run() }
        try await Self.registered(term.reports)
        term.send(Self.kill("web.instance-1"), to: agent.id)
        #expect(try await Self.nextKill(agent) == "web.instance-1")
        #expect(term.connections()[agent.id] != nil)
        await Self.finish(uplink, leader, follower)
    }

    @Test("a term opened only once its state is loaded takes no agent before (their routers keep their tables)")
    func closedTermTakesNoAgent() async throws {
        let server = try await Link.RunningHub.start()
        let term = server.hub.lead(epoch: 3, mayAct: { true }, open: false)
        let agent = Link.FakeAgent()
        let uplink = Task { try await Link.uplink(agent, ports: [server.port]).run() }
        // The agent keeps trying (every 200-400 ms); nothing registers while the term is closed.
        let early = Task { try await Self.registered(term.reports) }
        try await Task.sleep(for: .milliseconds(600))
        #expect(term.connections().isEmpty)
        term.open()
        try await early.value
        #expect(term.connections()[agent.id] != nil)
        await Self.finish(uplink, server)
    }

    @Test("an agent refuses a leader whose epoch is lower than one it has seen, and carries out none of its commands")
    func staleLeaderRefused() async throws {
        let current = try await Link.RunningHub.start()
        let stale = try await Link.RunningHub.start()
        let agent = Link.FakeAgent()
        var term = current.hub.lead(epoch: 50, mayAct: { true })
        let uplink = Task { try await Link.uplink(agent, ports: [current.port, stale.port]).run() }
        try await Self.registered(term.reports)
        term.send(Self.kill("first"), to: agent.id)
        #expect(try await Self.nextKill(agent) == "first")

        // A server that believes it still leads an older term; the current leader steps down and
        // points there, so the agent dials it.
        let staleTerm = stale.hub.lead(epoch: 30, mayAct: { true })
        current.hub.follow(leader: "127.0.0.1:\(stale.port)")
        try await Self.registered(staleTerm.reports)
        staleTerm.send(Self.kill("from-the-stale-leader"), to: agent.id)

        // The current leader takes over again: the next kill the agent carries out is its own.
        term = current.hub.lead(epoch: 60, mayAct: { true })
        stale.hub.follow(leader: "127.0.0.1:\(current.port)")
        try await Self.registered(term.reports)
        term.send(Self.kill("second"), to: agent.id)
        #expect(try await Self.nextKill(agent) == "second")
        await Self.finish(uplink, current, stale)
    }

    @Test("a leader whose lease may have run out sends no command; once renewed it does again")
    func noCommandsPastTheLease() async throws {
        let server = try await Link.RunningHub.start()
        let lease = LockedValue(true)
        let term = server.hub.lead(epoch: 7, mayAct: { lease.withLock { $0 } })
        let agent = Link.FakeAgent()
        let uplink = Task { try await Link.uplink(agent, ports: [server.port]).run() }
        try await Self.registered(term.reports)
        lease.withLock { $0 = false }
        term.send(Self.kill("while-expired"), to: agent.id)
        lease.withLock { $0 = true }
        term.send(Self.kill("after-renewal"), to: agent.id)
        #expect(try await Self.nextKill(agent) == "after-renewal")
        // Commands of a term that ended are dropped too.
        server.hub.follow(leader: nil)
        let next = server.hub.lead(epoch: 8, mayAct: { true })
        term.send(Self.kill("old-term"), to: agent.id)
        try await Self.registered(next.reports)
        next.send(Self.kill("new-term"), to: agent.id)
        #expect(try await Self.nextKill(agent) == "new-term")
        await Self.finish(uplink, server)
    }

    @Test("an agent stays with the first cluster that welcomed it: a server of another cluster commands nothing")
    func otherClusterRefused() async throws {
        let mine = try await Link.RunningHub.start()
        let other = try await Link.RunningHub.start()
        mine.hub.setClusterId("cluster-a")
        other.hub.setClusterId("cluster-b")
        var term = mine.hub.lead(epoch: 5, mayAct: { true })
        // Epochs of another cluster mean nothing here: a higher one must not win.
        let foreign = other.hub.lead(epoch: 500, mayAct: { true })
        let agent = Link.FakeAgent()
        let uplink = Task { try await Link.uplink(agent, ports: [mine.port, other.port]).run() }
        try await Self.registered(term.reports)
        mine.hub.follow(leader: "127.0.0.1:\(other.port)")
        try await Self.registered(foreign.reports)
        foreign.send(Self.kill("from-another-cluster"), to: agent.id)
        term = mine.hub.lead(epoch: 6, mayAct: { true })
        try await Self.registered(term.reports)
        term.send(Self.kill("own-cluster"), to: agent.id)
        #expect(try await Self.nextKill(agent) == "own-cluster")
        await Self.finish(uplink, mine, other)
    }

    @Test("the highest epoch survives a restart of the agent; a lower one is refused; a damaged file is an error")
    func epochLedger() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("epoch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger = try EpochLedger(path: path)
        #expect(ledger.current == 0)
        #expect(try ledger.admit(12))
        #expect(try ledger.admit(12))
        #expect(try !ledger.admit(11))
        let reopened = try EpochLedger(path: path)
        #expect(reopened.current == 12)
        #expect(try !reopened.admit(3))
        try Data("twelve".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: EpochLedgerError.self) { try EpochLedger(path: path) }
    }
}

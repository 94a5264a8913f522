import Foundation
import WharfModel

/// The server's book of agents and their connections, kept under the hub's lock: who is connected,
/// when each was last heard from, what each connection still has to confirm. Time is passed in
/// (seconds on a monotonic clock), so that every decision is a plain function of its inputs.
///
/// Reports are yielded to the control plane from inside the registry's methods, so that for each
/// agent they keep the order in which they were decided (a report of a connection is never
/// delivered after the `unreachable` that ended it).
struct AgentRegistry {
    /// One accepted connection of an agent.
    struct Session: Sendable {
        /// Distinguishes connections of the same agent.
        let serial: UInt64
        let agentId: String
        /// The agent process behind the connection (`WireHello.processId`).
        let processId: String
        /// The peer's `host:port`.
        let address: String
        /// The protocol version negotiated at the hello.
        var version: Int = 1
        /// Messages to write to the agent, in order.
        let outbox: AsyncStream<WireMessage>.Continuation
        /// Closes the connection (without waiting).
        let close: @Sendable () -> Void
    }

    /// A launch sent on the current connection that no report has confirmed yet.
    struct PendingLaunch {
        var task: LaunchTask
        var sentAt: Double
        var attempts: Int
    }

    /// What the registry knows of one agent.
    struct Entry {
        var info: AgentInfo
        /// The live connection; nil while the agent is away.
        var session: Session?
        var connectedAt: Double
        /// When any message of the agent last arrived.
        var lastHeard: Double
        var lastHeartbeatSent: Double
        /// Whether the control plane has been told the agent is unreachable (since its last hello).
        var unreachable = false
        var pendingLaunches: [String: PendingLaunch] = [:]
        /// Kills sent on the current connection that no status has answered yet: held again when
        /// the connection ends, so that they reach the agent when it is back.
        var pendingKills: [String: KillTask] = [:]
        /// The agent's clock minus the server's at its hello.
        var clockOffset: Double?
    }

    /// What a periodic check found to do outside the lock.
    struct TickEffects {
        /// Connections to close (silent for the timeout).
        var close: [Session] = []
        /// Agents declared unreachable now, with why.
        var unreachable: [(agentId: String, reason: String)] = []
        /// Launches sent again: agent, instance, attempt.
        var resent: [(agentId: String, instanceId: String, attempt: Int)] = []
    }

    let timeout: Double
    let launchResend: Double
    let serverId: String
    let reports: AsyncStream<AgentReport>.Continuation
    private(set) var entries: [String: Entry] = [:]
    /// Kills addressed to agents that are away (or have not connected since this server started),
    /// by agent and instance, delivered when each comes back.
    private(set) var heldKills: [String: [String: KillTask]] = [:]
    /// At most this many kills are held per agent (the oldest instance ids go first).
    static let maxHeldKills = 10_000

    /// The server's API address, told in welcomes.
    let apiAddress: String
    /// The epoch of the leadership term this registry serves, told in welcomes and stamped on every
    /// command (0 for a server without HA).
    let epoch: Int64
    /// The HA cluster's id, told in welcomes (empty without HA).
    let clusterId: String

    init(timeout: Double, launchResend: Double, serverId: String, apiAddress: String = "", epoch: Int64 = 0,
         clusterId: String = "", reports: AsyncStream<AgentReport>.Continuation) {
        self.epoch = epoch
        self.clusterId = clusterId
        self.timeout = timeout
        self.launchResend = launchResend
        self.serverId = serverId
        self.apiAddress = apiAddress
        self.reports = reports
    }

    /// Connected agents.
    var connectedCount: Int { entries.values.count { $0.session != nil } }

    /// Seconds between heartbeats now (see ``WireProtocol/heartbeatInterval(agents:timeout:maxPerSecond:)``).
    var heartbeatInterval: Double { WireProtocol.heartbeatInterval(agents: connectedCount, timeout: timeout) }

    /// Takes an authenticated hello's connection as the agent's current one: sends the welcome,
    /// reports the agent registered, delivers kills held for it. Returns the connection it replaces
    /// (to close), or a refusal when another live process holds the agent id.
    mutating func admit(_ session: Session, hello: WireHello, version: Int, now: Double) -> Result<Session?, WireRefusal> {
        var replaced: Session?
        if let existing = entries[session.agentId], let current = existing.session {
            if current.processId != session.processId, now - existing.lastHeard < timeout {
                return .failure(WireRefusal(code: .duplicateAgent, reason:
                    "agent id \(session.agentId) is already connected from \(current.address) by another agent process: "
                    + "every agent needs its own --data-dir, where its id is kept (agent-id); "
                    + "if that process is gone, this agent is accepted once the server has not heard from it for \(Self.seconds(timeout))"))
            }
            replaced = current
        }
        var info = hello.agent
        info.id = session.agentId
        var entry = entries[session.agentId] ?? Entry(info: info, connectedAt: now, lastHeard: now, lastHeartbeatSent: now)
        entry.info = info
        entry.session = session
        entry.connectedAt = now
        entry.lastHeard = now
        entry.lastHeartbeatSent = now
        entry.unreachable = false
        entry.pendingLaunches = [:]
        // What a replaced connection may not have delivered goes out again on this one.
        for kill in entry.pendingKills.values { hold(kill, for: session.agentId) }
        entry.pendingKills = [:]
        entry.clockOffset = hello.clock.map { Double($0.millis - Timestamp.now().millis) / 1000 }
        entries[session.agentId] = entry
        let held = heldKills.removeValue(forKey: session.agentId) ?? [:]

        session.outbox.yield(.welcome(WireWelcome(
            version: version, heartbeatSeconds: heartbeatInterval, timeoutSeconds: timeout, serverId: serverId,
            apiAddress: apiAddress, epoch: epoch, clusterId: clusterId)))
        reports.yield(.registered(info))
        for kill in held.values.sorted(by: { $0.instanceId < $1.instanceId }) {
            session.outbox.yield(.command(.kill(kill), epoch: epoch))
            entries[session.agentId]?.pendingKills[kill.instanceId] = kill
        }
        return .success(replaced)
    }

    /// A report arrived on `session`: the agent is alive, launches it reports on are confirmed, and
    /// the report goes to the control plane. False when `session` is no longer the agent's current
    /// connection (the report is dropped; the caller closes it).
    mutating func received(_ report: AgentReport, on session: Session, now: Double) -> Bool {
        guard heard(on: session, now: now) else { return false }
        switch report {
        case let .status(_, status):
            entries[session.agentId]?.pendingLaunches[status.instanceId] = nil
            if status.state == .killing || status.state.isTerminal { entries[session.agentId]?.pendingKills[status.instanceId] = nil }
        case let .fullState(_, statuses):
            for status in statuses { entries[session.agentId]?.pendingLaunches[status.instanceId] = nil }
        case let .registered(info):
            entries[session.agentId]?.info = info
        case .portsInUse, .unreachable, .outputProblem:
            break
        }
        reports.yield(report)
        return true
    }

    /// Any message arrived on `session`. False when it is not the agent's current connection.
    mutating func heard(on session: Session, now: Double) -> Bool {
        guard entries[session.agentId]?.session?.serial == session.serial else { return false }
        entries[session.agentId]?.lastHeard = now
        return true
    }

    /// `session` closed. True when it was the agent's current connection (the agent is now away
    /// and becomes unreachable unless it comes back within the timeout).
    mutating func ended(_ session: Session) -> Bool {
        guard entries[session.agentId]?.session?.serial == session.serial else { return false }
        entries[session.agentId]?.session = nil
        entries[session.agentId]?.pendingLaunches = [:]
        holdUnansweredKills(of: session.agentId)
        return true
    }

    /// Kills the agent may not have received on the connection that ended wait for its next one.
    private mutating func holdUnansweredKills(of agentId: String) {
        guard let kills = entries[agentId]?.pendingKills, !kills.isEmpty else { return }
        entries[agentId]?.pendingKills = [:]
        for kill in kills.values { hold(kill, for: agentId) }
    }

    /// Keeps `kill` for `agentId`'s next connection (at most `maxHeldKills` per agent).
    private mutating func hold(_ kill: KillTask, for agentId: String) {
        heldKills[agentId, default: [:]][kill.instanceId] = kill
        if heldKills[agentId]!.count > Self.maxHeldKills, let first = heldKills[agentId]!.keys.min() {
            heldKills[agentId]![first] = nil
        }
    }

    /// Queues `command` for `agentId`. Returns why it was dropped, or nil when it was queued (or,
    /// for a kill to an agent that is away, held until it comes back).
    mutating func send(_ command: AgentCommand, to agentId: String, now: Double) -> String? {
        guard let session = entries[agentId]?.session else {
            if case let .kill(kill) = command {
                hold(kill, for: agentId)
                return nil
            }
            return entries[agentId] == nil ? "the agent has not connected since this server started" : "the agent is not connected"
        }
        if case let .launch(task) = command {
            entries[agentId]?.pendingLaunches[task.instance.id] = PendingLaunch(task: task, sentAt: now, attempts: 1)
        }
        if case let .kill(kill) = command {
            entries[agentId]?.pendingKills[kill.instanceId] = kill
        }
        session.outbox.yield(.command(command, epoch: epoch))
        return nil
    }

    /// The periodic check: heartbeats due, launches to send again, agents silent for the timeout.
    mutating func tick(now: Double) -> TickEffects {
        var effects = TickEffects()
        let interval = heartbeatInterval
        for agentId in entries.keys.sorted() {
            guard var entry = entries[agentId] else { continue }
            if !entry.unreachable, now - entry.lastHeard >= timeout {
                entry.unreachable = true
                let via = entry.session.map { "connected from \($0.address)" } ?? "disconnected"
                effects.unreachable.append((agentId, "nothing heard from it for \(Self.seconds(now - entry.lastHeard)) (\(via))"))
                reports.yield(.unreachable(agentId: agentId, reason: effects.unreachable.last!.reason))
                if let session = entry.session {
                    effects.close.append(session)
                    session.outbox.finish()
                }
                entry.session = nil
                entry.pendingLaunches = [:]
                for kill in entry.pendingKills.values { hold(kill, for: agentId) }
                entry.pendingKills = [:]
            }
            if let session = entry.session {
                if now - entry.lastHeartbeatSent >= interval {
                    session.outbox.yield(.heartbeat(intervalSeconds: interval))
                    entry.lastHeartbeatSent = now
                }
                for (instanceId, var pending) in entry.pendingLaunches
                where now - pending.sentAt >= min(60, launchResend * pow(2, Double(pending.attempts - 1))) {
                    pending.attempts += 1
                    pending.sentAt = now
                    entry.pendingLaunches[instanceId] = pending
                    session.outbox.yield(.command(.launch(pending.task), epoch: epoch))
                    effects.resent.append((agentId, instanceId, pending.attempts))
                }
            }
            entries[agentId] = entry
        }
        return effects
    }

    /// Every connection, to close at shutdown.
    var sessions: [Session] { entries.values.compactMap(\.session) }

    static func seconds(_ value: Double) -> String {
        value >= 10 || value == value.rounded() ? "\(Int(value.rounded())) s" : String(format: "%.1f s", value)
    }
}

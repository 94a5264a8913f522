import Foundation
import Logging
import ServiceLifecycle
import WharfEtcd
import WharfModel
import WharfStore

/// One `wharf server --etcd ...`: campaigns for leadership in etcd (its election recipe, a lease of
/// `leaseTTLSeconds`), and while it leads runs a control plane of its own for that term.
///
/// A term starts when this server's election key is the oldest: the store is fenced with that key
/// (every write also checks it still exists with the same create revision, the term's epoch), the
/// agent hub starts taking agents and stamping commands with the epoch, and a fresh control plane
/// loads the state from etcd. A term ends when the lease is lost or could not be renewed in time,
/// when a write was fenced, on `DELETE /v2/leader`, or at shutdown: the control plane stops, agents
/// are let go (they move to the next leader, their tasks running on), and the lease is revoked so
/// that another server takes over at once. Then this server campaigns again.
///
/// Followers know the leader from its election key's value (``ServerRecord``): the API proxies
/// there and the hub sends agents there.
public final class ServerLeadership: Service, Sendable {
    /// What this server is now.
    public enum Role: String, Sendable {
        /// Checking the cluster record in etcd (or waiting for etcd).
        case starting
        /// Another server leads, or none yet.
        case follower
        /// This server leads.
        case leader
    }

    /// Leadership as this server sees it.
    public struct Status: Sendable {
        public var role: Role = .starting
        /// The current leader (this server while leading), when known.
        public var leader: ServerRecord?
        /// The current leader's epoch, when known.
        public var leaderEpoch: Int64?
        /// When this server's role last changed.
        public var since = Timestamp.now()
        /// The cluster's id (from its record in etcd), once checked.
        public var clusterId: String?
        /// Why the last term ended, or what keeps this server from campaigning.
        public var lastEvent: String?
        /// The control plane of the current term.
        var controlPlane: ControlPlane?
    }

    let configuration: ServerConfiguration
    let ha: HAConfiguration
    let client: EtcdClient
    let store: EtcdStore
    let hub: AgentHub
    /// This server, as it announces itself.
    public let record: ServerRecord
    let token: String
    let isolationNote: String
    let logger: Logger
    let directory: ServerDirectory
    /// Told of every term's control plane when it starts leading, and nil when it stops.
    let onTerm: @Sendable (ControlPlane?) -> Void
    private let status = LockedValue(Status())
    /// Ends the current term when yielded to (`abdicate()`).
    private let abdication = LockedValue<AsyncStream<Void>.Continuation?>(nil)
    /// The copy of the state this server keeps while it follows, and the task that keeps it.
    let mirror: EtcdMirror
    private let mirroring = LockedValue<Task<Void, Never>?>(nil)

    public init(configuration: ServerConfiguration, ha: HAConfiguration, client: EtcdClient, store: EtcdStore, hub: AgentHub,
                record: ServerRecord, token: String, isolationNote: String, logger: Logger,
                onTerm: @escaping @Sendable (ControlPlane?) -> Void) {
        self.configuration = configuration
        self.ha = ha
        self.client = client
        self.store = store
        self.hub = hub
        self.record = record
        self.token = token
        self.isolationNote = isolationNote
        var logger = logger
        logger[metadataKey: "component"] = "leadership"
        self.logger = logger
        self.onTerm = onTerm
        self.directory = ServerDirectory(client: client, configuration: ha, record: record, logger: logger)
        self.mirror = EtcdMirror(store: store, logger: logger)
    }

    /// Leadership now.
    public var current: Status { status.withLock { $0 } }

    /// Leadership as the API proxy reads it at every request.
    public func view() -> LeaderView {
        status.withLock { status in
            LeaderView(isLeader: status.role == .leader && status.controlPlane != nil,
                       leaderAPIAddress: status.leader?.apiAddress, myAPIAddress: record.apiAddress)
        }
    }

    /// The control plane of the current term, while this server leads.
    public var controlPlane: ControlPlane? { status.withLock { $0.controlPlane } }

    /// Every server's entry in etcd.
    public func members() async throws -> [ServerRecord] { try await directory.members() }

    /// Ends this server's term (`DELETE /v2/leader`) so that another takes over; false when it
    /// does not lead. It campaigns again afterwards.
    @discardableResult
    public func abdicate() -> Bool {
        guard let continuation = abdication.withLock({ $0 }) else { return false }
        continuation.yield()
        return true
    }

    /// Checks the cluster record, then campaigns and leads until graceful shutdown.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            guard let marker = try await self.claimCluster() else { return }
            self.status.withLock { $0.clusterId = marker.clusterId }
            self.hub.setClusterId(marker.clusterId)
            self.hub.follow(leader: nil)
            self.update(role: .follower, event: nil)
            self.startMirroring()
            defer { self.stopMirroring() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.directory.run() }
                group.addTask { await self.followLeaders() }
                group.addTask { try await self.campaignLoop() }
                defer { group.cancelAll() }
                // Only the campaign loop ends by itself: at shutdown, or when this server must
                // not lead (thrown).
                while let _ = try await group.next() {
                    if Task.isCancelled { return }
                }
            }
        }
        logger.notice("left the election")
    }

    // MARK: - Start-up

    /// The cluster record, retried while etcd is unreachable; throws when this server does not
    /// belong to the cluster on its prefix. Nil when cancelled first.
    private func claimCluster() async throws -> ClusterMarker? {
        var attempt = 0
        while !Task.isCancelled {
            do {
                return try await ClusterMarker.claim(client: client, configuration: ha, token: token)
            } catch let error as ClusterMarkerError {
                logger.critical("\(error.description)")
                throw error
            } catch {
                attempt += 1
                if attempt == 1 || attempt % 10 == 0 {
                    logger.error("etcd is not reachable; retrying (the API answers 502 until a leader is elected)", metadata: [
                        "endpoints": "\(ha.endpoints.joined(separator: ","))", "error": "\(error)", "attempt": "\(attempt)",
                    ])
                }
                update(role: .starting, event: "etcd not reachable: \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
        return nil
    }

    // MARK: - Following

    /// Keeps the leader's identity current, and sends agents to it while this server follows.
    private func followLeaders() async {
        let observer = EtcdElection(client: client, prefix: ha.electionPrefix, ttlSeconds: ha.leaseTTLSeconds, value: Data(), logger: logger)
        for await leader in observer.observe() {
            let record = leader.flatMap { try? JSONDecoder().decode(ServerRecord.self, from: $0.value) }
            status.withLock { status in
                status.leader = record
                status.leaderEpoch = leader?.epoch
            }
            // A term of this server starts and ends in `lead`; here agents are only pointed at
            // another leader (this server's own key shows up here before its term has started).
            if record?.id != self.record.id { hub.redirect(to: record?.agentAddress) }
            logger.info("leader \(record.map { "is \($0.apiAddress)" } ?? "unknown")", metadata: [
                "epoch": "\(leader.map { String($0.epoch) } ?? "-")", "server": "\(record?.id ?? "-")",
            ])
        }
    }

    // MARK: - Leading

    private func campaignLoop() async throws {
        var failures = 0
        while !Task.isCancelled {
            let election = EtcdElection(client: client, prefix: ha.electionPrefix, ttlSeconds: ha.leaseTTLSeconds,
                                        value: try JSONEncoder().encode(record), logger: logger)
            do {
                let won = try await election.campaign()
                failures = 0
                try await lead(won, election: election)
            } catch let error as NewerRecordsError {
                await Self.resign(election)
                throw error
            } catch {
                if Task.isCancelled { await Self.resign(election); return }
                failures += 1
                logger.error("campaign or term failed; campaigning again", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                update(role: .follower, event: "\(error)")
            }
            await Self.resign(election)
            // After abdicating or losing the lease, the other servers' keys are older: one of them
            // wins. After a failure, a short pause keeps a broken etcd from being hammered.
            if failures > 0 { try? await Task.sleep(for: .milliseconds(min(5000, 250 * (1 << min(failures, 5))))) }
        }
    }

    /// One term: runs a control plane until the term ends, then lets go.
    private func lead(_ won: EtcdLeadership, election: EtcdElection) async throws {
        let started = ContinuousClock.now
        store.setFence(EtcdFence(key: won.key, createRevision: won.epoch))
        let (fenced, fencedContinuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (abdicated, abdicatedContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let term = hub.lead(epoch: won.epoch, mayAct: { election.mayAct() }, open: false)
        let controlPlane = ControlPlane(
            configuration: configuration,
            store: StepDownStore(base: store, onFenced: { fencedContinuation.yield($0) }),
            link: term, isolationNote: isolationNote, logger: logger, leadership: self)
        hub.follow(controlPlane.catalog, routing: controlPlane.routing)
        defer {
            startMirroring()
            abdication.withLock { $0 = nil }
            onTerm(nil)
            // Until the election names the next leader, none is known (not this server).
            let next = status.withLock { status -> ServerRecord? in
                if status.leader?.id == record.id {
                    status.leader = nil
                    status.leaderEpoch = nil
                }
                return status.leader
            }.map(\.agentAddress)
            hub.follow(leader: next)
            update(role: .follower, event: nil)
        }
        let snapshot = try await termSnapshot(won)
        do {
            try await controlPlane.load(from: snapshot)
        } catch let error as NewerRecordsError {
            logger.critical("this server cannot lead: \(error.description)")
            throw error
        }
        status.withLock { status in
            status.controlPlane = controlPlane
            status.leader = record
            status.leaderEpoch = won.epoch
        }
        update(role: .leader, event: nil)
        // Agents now get the loaded catalog at once (their routers keep their tables until then).
        term.open()
        abdication.withLock { $0 = abdicatedContinuation }
        onTerm(controlPlane)
        let loaded = await controlPlane.currentState()
        logger.notice("this server leads", metadata: [
            "epoch": "\(won.epoch)", "took": "\(ContinuousClock.now - started)",
            "apps": "\(loaded.apps.count)", "instances": "\(loaded.instances.count)",
            "loadedFrom": "\(snapshot == nil ? "etcd" : "follower-copy")",
        ])
        let reason = await withTaskGroup(of: String?.self) { group -> String in
            group.addTask {
                do {
                    try await controlPlane.run()
                    return "shutting down"
                } catch {
                    return "the control plane stopped: \(error)"
                }
            }
            group.addTask { await election.awaitLoss() }
            group.addTask {
                for await reason in fenced { return "a write was refused because another server leads: \(reason)" }
                return nil
            }
            group.addTask {
                // The proxy answers DELETE /v2/leader first and calls `abdicate()` 500 ms later, as Marathon.
                for await _ in abdicated { return "abdicated (DELETE /v2/leader)" }
                return nil
            }
            group.addTask {
                await EtcdCompactor(client: self.client, intervalSeconds: self.ha.compactionIntervalSeconds, logger: self.logger).run()
                return nil
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let reason = next { return reason }
            }
            return "shutting down"
        }
        status.withLock { $0.controlPlane = nil }
        logger.notice("this server stops leading", metadata: ["epoch": "\(won.epoch)", "reason": "\(reason)"])
        update(role: .follower, event: reason)
        fencedContinuation.finish()
        abdicatedContinuation.finish()
    }

    // MARK: - The follower's copy

    private func startMirroring() {
        let mirror = self.mirror
        let task = Task { await mirror.run() }
        mirroring.withLock { previous in
            previous?.cancel()
            previous = task
        }
    }

    private func stopMirroring() {
        mirroring.withLock { task in
            task?.cancel()
            task = nil
        }
    }

    /// The state at the start of the term `won`, from this server's follower copy when it has
    /// caught up, else nil (the control plane then reads etcd). The copy is complete once it has
    /// seen this term's first write (`meta/term`, fenced): watch events come in revision order, and
    /// nobody else writes once this server leads. The copy is dropped afterwards (a leader does not
    /// keep one).
    private func termSnapshot(_ won: EtcdLeadership) async throws -> SnapshotStore? {
        defer { stopMirroring() }
        let marker = "{\"epoch\":\(won.epoch),\"server\":\"\(record.id)\",\"at\":\(Timestamp.now().millis)}"
        let revision = try await store.put(Self.termKey, Data(marker.utf8))
        guard let snapshot = await mirror.snapshot(atLeast: revision, timeout: .seconds(2)) else {
            logger.info("the follower copy of the state is not current; reading it from etcd", metadata: [
                "copy": "\(mirror.revision)", "needed": "\(revision)",
            ])
            return nil
        }
        return SnapshotStore(values: snapshot.values, revision: snapshot.revision)
    }

    /// The record of the current term (written first by every new leader).
    static let termKey = "meta/term"

    /// Revokes the election's lease even when the calling task is cancelled (at shutdown): in a task
    /// of its own, so that the revocation is sent and the next server leads at once.
    private static func resign(_ election: EtcdElection) async {
        await Task { await election.resign() }.value
    }

    private func update(role: Role, event: String?) {
        status.withLock { status in
            if status.role != role { status.since = .now() }
            status.role = role
            if let event { status.lastEvent = event }
        }
    }
}

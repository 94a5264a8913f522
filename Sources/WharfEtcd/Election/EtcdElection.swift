import Foundation
import Logging
import NIOConcurrencyHelpers

/// Leader election on etcd with etcd's own recipe (`client/v3/concurrency/election.go`): each
/// candidate puts `prefix` + its lease id (hex) attached to a fresh lease, and the candidate whose
/// key has the lowest create revision leads; the others each wait for the deletion of the key just
/// older than theirs.
///
/// The lease is renewed every TTL/3 with one keepalive request each. The leader keeps a deadline,
/// `send time of the last successful keepalive + TTL − 0.5 s`, on the monotonic clock, so that a
/// process paused past its TTL sees the deadline passed the instant it resumes: `mayAct()` is false
/// from then on. A keepalive answered with TTL 0, or a deadline that passes, ends the leadership;
/// `awaitLoss()` returns the reason. Writes are fenced separately (`EtcdLeadership.fence`).
public actor EtcdElection {
    /// The key prefix every candidate's key is under, e.g. `/wharf/v1/election/`.
    public nonisolated let prefix: String
    /// The lease TTL asked for, in seconds (etcd's minimum is 2 s).
    public nonisolated let ttlSeconds: Int64
    /// What this candidate publishes as leader (e.g. its address); observers read it.
    public nonisolated let value: Data
    let client: EtcdClient
    let logger: Logger
    /// The deadline's safety margin below the lease TTL.
    static let margin: Duration = .milliseconds(500)

    /// Leadership state read without the actor (`mayAct` runs on any thread, synchronously).
    private nonisolated let state = NIOLockedValueBox(LeaseState())
    private var keepAliveTask: Task<Void, Never>?
    private var leadership: EtcdLeadership?

    struct LeaseState {
        var lease: Int64 = 0
        /// Until when the lease is surely still alive.
        var deadline: ContinuousClock.Instant?
        var leading = false
        var lossReason: String?
        var lossWaiters: [UUID: CheckedContinuation<String, Never>] = [:]
        /// Test hook: skip keepalives, as a process that cannot reach etcd would.
        var keepAlivesPaused = false
    }

    /// Creates a candidate; nothing is sent until `campaign()`.
    public init(client: EtcdClient, prefix: String, ttlSeconds: Int64 = 3, value: Data, logger: Logger) {
        self.client = client
        self.prefix = prefix
        self.ttlSeconds = ttlSeconds
        self.value = value
        var logger = logger
        logger[metadataKey: "election"] = "\(prefix)"
        self.logger = logger
    }

    /// Whether this candidate leads and its lease is surely alive (before its deadline). Check it
    /// before every command that only the leader may send.
    public nonisolated func mayAct() -> Bool {
        state.withLockedValue { state in
            guard state.leading, let deadline = state.deadline else { return false }
            return ContinuousClock.now < deadline
        }
    }

    /// The leadership held now, if any.
    public var currentLeadership: EtcdLeadership? {
        mayAct() ? leadership : nil
    }

    /// Campaigns until this candidate leads, and returns its leadership.
    ///
    /// Grants a lease and keeps it alive, puts the candidate key, then waits until every older key
    /// is gone. Cancelling the calling task stops the campaign and revokes the lease; so does a
    /// failure. Campaigning again after a loss or `resign()` starts over with a new lease.
    public func campaign() async throws -> EtcdLeadership {
        if let leadership, mayAct() { return leadership }
        await stopLease(reason: nil)
        let sent = ContinuousClock.now
        let grant = try await client.grantLease(ttlSeconds: ttlSeconds)
        state.withLockedValue { state in
            state = LeaseState(
                lease: grant.id, deadline: sent + .seconds(grant.ttl) - Self.margin,
                lossWaiters: state.lossWaiters, keepAlivesPaused: state.keepAlivesPaused
            )
        }
        keepAliveTask = Task { [state, client, logger] in
            await Self.keepAlive(lease: grant.id, ttl: grant.ttl, state: state, client: client, logger: logger)
        }
        do {
            let key = prefix + String(grant.id, radix: 16)
            let created = try await client.txn(
                compare: [EtcdCompare(key: key, target: .create(0))],
                success: [.put(key: key, value: value, lease: grant.id)],
                failure: [.range(EtcdRangeRequest(key: key))]
            )
            let epoch: Int64
            if created.succeeded {
                epoch = created.header.revision
            } else if case let .range(existing)? = created.responses.first, let kv = existing.kvs.first {
                epoch = kv.createRevision
            } else {
                throw EtcdError.badResponse("the election key \(key) was neither created nor found")
            }
            logger.info("campaigning", metadata: ["key": "\(key)", "epoch": "\(epoch)"])
            try await waitForOlderCandidates(than: epoch)
            // The lease may have lapsed while waiting; then the key is gone and so is the claim.
            let mine = try await client.range(EtcdRangeRequest(key: key))
            guard mine.kvs.first?.createRevision == epoch, state.withLockedValue({ $0.lossReason == nil }) else {
                throw EtcdError.unavailable("the election lease expired while campaigning")
            }
            let won = EtcdLeadership(key: key, epoch: epoch, leaseId: grant.id)
            state.withLockedValue { $0.leading = true }
            guard mayAct() else { throw EtcdError.unavailable("the election lease deadline passed while campaigning") }
            leadership = won
            logger.notice("elected leader", metadata: ["key": "\(key)", "epoch": "\(epoch)"])
            return won
        } catch {
            await stopLease(reason: "campaign ended: \(error)")
            throw error
        }
    }

    /// Waits until leadership is lost (lease expired, keepalives failed past the deadline, or
    /// `resign()`), and returns why. Returns at once if it is already lost, and when the waiting
    /// task is cancelled (with "cancelled").
    public nonisolated func awaitLoss() async -> String {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let reason: String? = state.withLockedValue { state in
                    if let reason = state.lossReason { return reason }
                    if Task.isCancelled { return "cancelled" }
                    state.lossWaiters[id] = continuation
                    return nil
                }
                if let reason { continuation.resume(returning: reason) }
            }
        } onCancel: {
            state.withLockedValue { $0.lossWaiters.removeValue(forKey: id) }?.resume(returning: "cancelled")
        }
    }

    /// Gives up leadership (or the campaign's lease) at once: revokes the lease, which deletes the
    /// key, so the next candidate takes over without waiting for the TTL. Safe to call twice.
    public func resign() async {
        await stopLease(reason: "resigned")
    }

    /// Test hook: stops (true) or resumes (false) keepalives, as if etcd were unreachable.
    public nonisolated func pauseKeepAlivesForTesting(_ paused: Bool) {
        state.withLockedValue { $0.keepAlivesPaused = paused }
    }

    // MARK: - Internals

    /// Stops renewing, revokes the lease and, with a `reason`, reports the loss.
    private func stopLease(reason: String?) async {
        keepAliveTask?.cancel()
        keepAliveTask = nil
        leadership = nil
        let lease = state.withLockedValue { state in
            let lease = state.lease
            state.lease = 0
            return lease
        }
        if let reason { Self.reportLoss(reason, state: state) }
        guard lease != 0 else { return }
        // Revoke even when the calling task is cancelled (a cancelled campaign must not leave its key).
        let client = self.client
        let revoked = await Task.detached { try await client.revokeLease(lease) }.result
        if case let .failure(error) = revoked {
            logger.warning("could not revoke the election lease; it expires after its TTL", metadata: ["lease": "\(lease)", "error": "\(error)"])
        }
    }

    private static func reportLoss(_ reason: String, state: NIOLockedValueBox<LeaseState>) {
        let waiters: [CheckedContinuation<String, Never>] = state.withLockedValue { state in
            state.leading = false
            guard state.lossReason == nil else { return [] }
            state.lossReason = reason
            defer { state.lossWaiters = [:] }
            return Array(state.lossWaiters.values)
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// Renews the lease every TTL/3 until cancelled or the lease is lost; each renewal moves the
    /// deadline to its send time + TTL − margin.
    private static func keepAlive(lease: Int64, ttl: Int64, state: NIOLockedValueBox<LeaseState>, client: EtcdClient, logger: Logger) async {
        let interval = Duration.milliseconds(max(ttl, 1) * 1000 / 3)
        // A renewal not answered within half an interval is asked of the other members too (the
        // first answer wins), and after a failure the next try comes at once: one etcd member that
        // lost its leader does not cost the lease, and a slow but working one still counts.
        let hedge = interval / 2
        var failed = false
        while !Task.isCancelled {
            let (paused, deadline) = state.withLockedValue { ($0.keepAlivesPaused, $0.deadline) }
            let sent = ContinuousClock.now
            if let deadline, sent >= deadline {
                reportLoss("the election lease could not be renewed before its deadline", state: state)
                return
            }
            if !paused {
                do {
                    let remaining = try await keepAliveOnce(lease: lease, client: client, hedgeAfter: hedge, until: deadline)
                    if remaining <= 0 {
                        reportLoss("the election lease expired (etcd answered a keepalive with TTL 0)", state: state)
                        return
                    }
                    state.withLockedValue { $0.deadline = sent + .seconds(remaining) - margin }
                    failed = false
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("election lease keepalive failed", metadata: ["lease": "\(lease)", "error": "\(error)"])
                    failed = true
                }
            }
            let pause = failed ? Duration.milliseconds(50) : interval
            let next = state.withLockedValue { $0.deadline }.map { min(ContinuousClock.now + pause, $0) } ?? ContinuousClock.now + pause
            do {
                try await Task.sleep(until: next, clock: .continuous)
            } catch {
                return
            }
        }
    }

    /// One keepalive, abandoned when the deadline passes first: asked of the preferred member
    /// (failing over as the client does) and then, every `hedgeAfter` while nothing has answered,
    /// of the next member in turn. Nothing is cancelled before the end: the first answer wins, a
    /// slow member still counts, and a renewal sent after etcd has elected a new leader gets
    /// through even when the earlier ones wait on members that lost theirs.
    private static func keepAliveOnce(lease: Int64, client: EtcdClient, hedgeAfter: Duration,
                                      until deadline: ContinuousClock.Instant?) async throws -> Int64 {
        enum Outcome: Sendable {
            case renewed(Int64)
            case failed(any Error)
            case hedge
            case deadline
        }
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do { return .renewed(try await client.keepAliveOnce(leaseId: lease)) } catch { return .failed(error) }
            }
            group.addTask {
                try await Task.sleep(for: hedgeAfter)
                return .hedge
            }
            if let deadline {
                group.addTask {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return .deadline
                }
            }
            defer { group.cancelAll() }
            let endpoints = client.endpoints
            var sent = 1
            var pending = 1
            var lastError: (any Error)?
            while let outcome = try await group.next() {
                switch outcome {
                case let .renewed(remaining):
                    return remaining
                case let .failed(error):
                    lastError = error
                    pending -= 1
                    // Without a deadline (none yet) there is nothing to wait for once all failed.
                    if pending == 0, deadline == nil { throw error }
                case .hedge:
                    let endpoint = endpoints[sent % max(endpoints.count, 1)]
                    sent += 1
                    pending += 1
                    group.addTask {
                        do { return .renewed(try await client.keepAliveOnce(leaseId: lease, endpoint: endpoint)) } catch { return .failed(error) }
                    }
                    group.addTask {
                        try await Task.sleep(for: hedgeAfter)
                        return .hedge
                    }
                case .deadline:
                    throw EtcdError.unavailable("no keepalive answer before the lease deadline"
                        + (lastError.map { " (last error: \($0))" } ?? ""))
                }
            }
            throw lastError ?? EtcdError.unavailable("no keepalive answer")
        }
    }

    /// The recipe's wait: until no key under `prefix` is older than `epoch`, watch the deletion of
    /// the next older one.
    private func waitForOlderCandidates(than epoch: Int64) async throws {
        while true {
            try Task.checkCancellation()
            if let reason = state.withLockedValue({ $0.lossReason }) { throw EtcdError.unavailable(reason) }
            let older = try await client.range(EtcdRangeRequest(
                key: prefix, rangeEnd: EtcdKeys.prefixEnd(prefix), limit: 1,
                sortOrder: .descend, sortTarget: .create, maxCreateRevision: epoch - 1
            ))
            guard let predecessor = older.kvs.first else { return }
            do {
                watching: for try await response in client.watch(EtcdWatchRequest(key: predecessor.key, startRevision: older.header.revision + 1)) {
                    if response.events.contains(where: { $0.type == .delete }) { break watching }
                }
            } catch EtcdError.compacted {
                continue  // read again
            } catch let error as EtcdError {
                logger.info("election watch failed; reading again", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

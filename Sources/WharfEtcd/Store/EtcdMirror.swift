import Foundation
import Logging
import NIOConcurrencyHelpers
import WharfStore

/// A copy in memory of every record of an `EtcdStore`, kept current by a watch: what a follower
/// holds so that, once elected, it loads the state without reading it all from etcd again.
///
/// It lists the store (paged, at one revision), then watches from the next revision, applying every
/// event in order; when the watch falls behind a compaction or breaks, it lists again. Watch events
/// arrive in revision order and complete per revision, so once the copy has applied revision `r`
/// it equals the store at `r` (`snapshot(atLeast:timeout:)`).
public final class EtcdMirror: Sendable {
    private struct State {
        var values: [String: StoredValue] = [:]
        /// The store's revision the copy is complete up to; 0 before the first listing.
        var revision: Int64 = 0
        var waiters: [(revision: Int64, continuation: CheckedContinuation<Void, Never>)] = []

        /// The waiters the copy's revision has reached, removed.
        mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
            let ready = waiters.filter { $0.revision <= revision }.map(\.continuation)
            waiters.removeAll { $0.revision <= revision }
            return ready
        }
    }

    private let store: EtcdStore
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// A mirror of `store` (all of its keys); `run()` fills it.
    public init(store: EtcdStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// The revision the copy is complete up to.
    public var revision: Int64 { state.withLockedValue { $0.revision } }

    /// How many records the copy holds.
    public var count: Int { state.withLockedValue { $0.values.count } }

    /// Lists, then follows the store until cancelled; then forgets the copy (a leader does not need it).
    public func run() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let start = store.prefix
                let (values, revision) = try await store.listSnapshot(from: start, to: EtcdKeys.prefixEnd(start))
                replace(values, at: revision)
                failures = 0
                try await follow(from: revision)
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                failures += 1
                if failures == 1 || failures % 10 == 0 {
                    logger.warning("the copy of the state in etcd fell behind; listing again", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .milliseconds(min(5_000, 200 * failures)))
            }
        }
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            defer { state = State() }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Every record, once the copy is complete up to `revision` (or later); nil when it is not
    /// within `timeout` (etcd unreachable, the watch broken): the caller reads the store instead.
    public func snapshot(atLeast revision: Int64, timeout: Duration) async -> (revision: Int64, values: [StoredValue])? {
        let reached: Bool = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let done = self.state.withLockedValue { state -> Bool in
                        if state.revision >= revision { return true }
                        state.waiters.append((revision, continuation))
                        return false
                    }
                    if done { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            if !first { self.wakeAll() }
            return first
        }
        return state.withLockedValue { state in
            guard reached, state.revision >= revision else { return nil }
            return (state.revision, state.values.values.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
        }
    }

    // MARK: - Internals

    private func follow(from revision: Int64) async throws {
        let start = store.prefix
        for try await response in store.client.watch(.prefix(start, startRevision: revision + 1)) {
            apply(response)
        }
        throw EtcdError.unavailable("the watch of \(start) ended")
    }

    private func replace(_ values: [StoredValue], at revision: Int64) {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.values = Dictionary(values.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
            state.revision = revision
            return state.takeWaiters()
        }
        for waiter in ready { waiter.resume() }
    }

    private func apply(_ response: EtcdWatchResponse) {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            for event in response.events {
                let key = store.storeKey(event.kv.key)
                switch event.type {
                case .put: state.values[key] = StoredValue(key: key, value: event.kv.value, revision: event.kv.modRevision)
                case .delete: state.values[key] = nil
                }
            }
            state.revision = max(state.revision, response.header.revision)
            return state.takeWaiters()
        }
        for waiter in ready { waiter.resume() }
    }

    /// Resumes every waiter (a timed-out `snapshot` leaves its waiter behind otherwise).
    private func wakeAll() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume() }
    }
}

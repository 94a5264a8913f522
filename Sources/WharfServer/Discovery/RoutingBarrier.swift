import Foundation

/// Lets the control plane wait until every edge router it knows serves a catalog snapshot: a kill is
/// sent only once the instance is out of the routers' tables, not merely out of the catalog. The
/// routers are `wharf dev`'s own (`local`) and, in a cluster, each connected agent's, which report
/// the catalog index they serve over the agent link.
///
/// With no router attached (`wharf dev` without a router, control-plane tests) waiting returns at once.
public final class RoutingBarrier: Sendable {
    /// The id `wharf dev`'s in-process router attaches under.
    public static let localRouter = "local"

    private struct State {
        /// Attached routers and the catalog index each serves.
        var applied: [String: UInt64] = [:]
        var nextId = 0
        var waiters: [Int: (index: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]

        func serves(_ index: UInt64) -> Bool { applied.values.allSatisfy { $0 >= index } }

        /// Removes and returns the waiters every router now satisfies.
        mutating func takeSatisfied() -> [CheckedContinuation<Void, Never>] {
            let done = waiters.filter { serves($0.value.index) }
            for id in done.keys { waiters[id] = nil }
            return done.values.map(\.continuation)
        }
    }

    private let state = LockedValue(State())
    private let onApplied: (@Sendable (String, UInt64) -> Void)?

    /// - Parameter onApplied: told every index a router reports (an agent forwards its router's to
    ///   the control plane).
    public init(onApplied: (@Sendable (String, UInt64) -> Void)? = nil) {
        self.onApplied = onApplied
    }

    /// From now on waits also wait for `router` (until it is detached).
    public func attach(_ router: String) {
        state.withLock { state in
            if state.applied[router] == nil { state.applied[router] = 0 }
        }
    }

    /// `router` no longer counts (an agent disconnected): waits it held up go on.
    public func detach(_ router: String) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.applied[router] = nil
            return state.takeSatisfied()
        }
        for continuation in ready { continuation.resume() }
    }

    /// `router` serves everything up to catalog index `index` (ignored unless attached).
    public func applied(_ index: UInt64, by router: String) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard let previous = state.applied[router] else { return [] }
            state.applied[router] = max(previous, index)
            return state.takeSatisfied()
        }
        for continuation in ready { continuation.resume() }
        onApplied?(router, index)
    }

    /// The index each attached router serves, by router id.
    public var appliedIndexes: [String: UInt64] { state.withLock { $0.applied } }

    /// Returns once every attached router serves catalog index `index`, after `timeout` at the latest
    /// (a stuck or slow router must not stop kills), or at once when none is attached. True when
    /// every router serves the index.
    @discardableResult
    func wait(forIndex index: UInt64, timeout: Duration) async -> Bool {
        guard !state.withLock({ $0.serves(index) }) else { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilApplied(index) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return state.withLock { $0.serves(index) }
    }

    private func waitUntilApplied(_ index: UInt64) async {
        let id = state.withLock { state -> Int in
            state.nextId += 1
            return state.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.serves(index) || Task.isCancelled { return true }
                    state.waiters[id] = (index, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }
}

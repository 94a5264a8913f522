import Foundation

/// Lets the control plane wait until the local edge router serves a catalog snapshot: a kill is sent
/// only once the instance is out of the router's table, not merely out of the catalog.
///
/// Until a router attaches (`wharf dev` without a router, control-plane tests) waiting returns at once.
public final class RoutingBarrier: Sendable {
    private struct State {
        var attached = false
        var applied: UInt64 = 0
        var nextId = 0
        var waiters: [Int: (index: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    private let state = LockedValue(State())

    public init() {}

    /// Called once by the router's feeder: from now on waits are real.
    func attach() {
        state.withLock { $0.attached = true }
    }

    /// The router serves everything up to catalog index `index`.
    func applied(_ index: UInt64) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.applied = max(state.applied, index)
            let done = state.waiters.filter { $0.value.index <= state.applied }
            for id in done.keys { state.waiters[id] = nil }
            return done.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once the router serves catalog index `index`, after `timeout` at the latest (a stuck
    /// router must not stop kills), or at once when no router is attached.
    func wait(forIndex index: UInt64, timeout: Duration) async {
        guard state.withLock({ $0.attached && $0.applied < index }) else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilApplied(index) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitUntilApplied(_ index: UInt64) async {
        let id = state.withLock { state -> Int in
            state.nextId += 1
            return state.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.applied >= index || Task.isCancelled { return true }
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

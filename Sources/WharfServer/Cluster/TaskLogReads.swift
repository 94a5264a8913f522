import WharfModel

/// Task log reads the hub sent to agents (`logRead`) and waits to be answered (`logData`): each is
/// answered once, by its agent's answer, by the end of that agent's connection, or by its timeout.
final class TaskLogReads: Sendable {
    private struct Pending {
        var serial: UInt64
        var continuation: CheckedContinuation<TaskLogReply, Never>
    }

    private struct State {
        var next: UInt64 = 0
        var pending: [UInt64: Pending] = [:]
        /// Reads settled (cancelled) before they were registered.
        var settledEarly: [UInt64: TaskLogReply] = [:]
        /// Reads begun and not yet registered or settled.
        var starting: Set<UInt64> = []
    }

    private let state = LockedValue(State())

    /// Sends `request` on `session` and waits for its answer.
    func send(_ request: TaskLogRequest, on session: AgentRegistry.Session, timeout: Duration) async -> TaskLogReply {
        let id = state.withLock { state -> UInt64 in
            state.next += 1
            state.starting.insert(state.next)
            return state.next
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.settle(id, with: .failed("agent \(session.agentId) did not answer a read of task output in time"))
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let early = state.withLock { state -> TaskLogReply? in
                    state.starting.remove(id)
                    if let reply = state.settledEarly.removeValue(forKey: id) { return reply }
                    state.pending[id] = Pending(serial: session.serial, continuation: continuation)
                    return nil
                }
                if let early {
                    continuation.resume(returning: early)
                } else {
                    session.outbox.yield(.logRead(requestId: id, request))
                }
            }
        } onCancel: {
            settle(id, with: .failed("the read of task output was abandoned"))
        }
    }

    /// The agent on connection `serial` answered read `id` (an answer from another connection, or
    /// to a read already settled, is ignored).
    func answer(_ id: UInt64, serial: UInt64, with reply: TaskLogReply) {
        let continuation = state.withLock { state -> CheckedContinuation<TaskLogReply, Never>? in
            guard state.pending[id]?.serial == serial else { return nil }
            return state.pending.removeValue(forKey: id)?.continuation
        }
        continuation?.resume(returning: reply)
    }

    /// Connection `serial` ended: its reads fail.
    func abandon(serial: UInt64, agentId: String) {
        let abandoned = state.withLock { state -> [CheckedContinuation<TaskLogReply, Never>] in
            let ids = state.pending.filter { $0.value.serial == serial }.map(\.key)
            return ids.compactMap { state.pending.removeValue(forKey: $0)?.continuation }
        }
        for continuation in abandoned {
            continuation.resume(returning: .failed("agent \(agentId) disconnected"))
        }
    }

    private func settle(_ id: UInt64, with reply: TaskLogReply) {
        let continuation = state.withLock { state -> CheckedContinuation<TaskLogReply, Never>? in
            if state.starting.contains(id) { state.settledEarly[id] = reply }
            return state.pending.removeValue(forKey: id)?.continuation
        }
        continuation?.resume(returning: reply)
    }
}

import NIOConcurrencyHelpers
import NIOCore

/// The router's shared view of one backend: requests in flight (for least-connections) and
/// passive ejection after a refused connection. One slot per distinct `Backend`, kept across
/// route table updates so that counters and ejections survive a swap.
final class BackendSlot: Sendable {
    private struct State {
        var active = 0
        var ejectedUntil = NIODeadline.uptimeNanoseconds(0)
    }

    /// The backend this slot describes.
    let backend: Backend
    /// The backend's address when `host` is an IP literal (no resolver on the hot path).
    let address: SocketAddress?
    private let state = NIOLockedValueBox(State())

    init(backend: Backend) {
        self.backend = backend
        self.address = try? SocketAddress(ipAddress: backend.host, port: backend.port)
    }

    /// Counts a request in flight if the backend is not ejected at `now`.
    func acquireIfHealthy(now: NIODeadline) -> Bool {
        self.state.withLockedValue { state in
            guard state.ejectedUntil <= now else { return false }
            state.active += 1
            return true
        }
    }

    /// Counts a request in flight regardless of ejection.
    func acquire() {
        self.state.withLockedValue { $0.active += 1 }
    }

    /// Ends a request counted by `acquire` or `acquireIfHealthy`.
    func release() {
        self.state.withLockedValue { $0.active = max(0, $0.active - 1) }
    }

    /// Skips this backend for new requests until `deadline`; returns whether it was in use until
    /// now (false when it was ejected already).
    @discardableResult
    func eject(until deadline: NIODeadline) -> Bool {
        let now = NIODeadline.now()
        return self.state.withLockedValue { state in
            let wasInUse = state.ejectedUntil <= now
            state.ejectedUntil = max(state.ejectedUntil, deadline)
            return wasInUse
        }
    }

    /// Requests in flight, or nil when the backend is ejected at `now`.
    func load(now: NIODeadline) -> Int? {
        self.state.withLockedValue { $0.ejectedUntil <= now ? $0.active : nil }
    }
}

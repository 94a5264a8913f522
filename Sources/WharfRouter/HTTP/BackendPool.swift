import NIOCore

/// Idle keep-alive connections to backends, for one event loop (so a client connection is
/// always paired with a backend connection on its own loop). Not thread-safe: use on its loop.
final class BackendPool {
    private var idle: [ObjectIdentifier: [BackendConnection]] = [:]
    private let maxIdlePerBackend: Int

    init(maxIdlePerBackend: Int) {
        self.maxIdlePerBackend = maxIdlePerBackend
    }

    /// An idle, open connection to `slot`'s backend, removed from the pool; nil when none.
    func lease(_ slot: BackendSlot) -> BackendConnection? {
        let key = ObjectIdentifier(slot)
        while let connection = self.idle[key]?.popLast() {
            connection.pool = nil
            if connection.isActive { return connection }
            connection.close()
        }
        return nil
    }

    /// Parks a connection whose exchange completed cleanly, or closes it when the pool is full.
    func release(_ connection: BackendConnection) {
        guard connection.isActive else { return }
        let key = ObjectIdentifier(connection.slot)
        if self.idle[key, default: []].count >= self.maxIdlePerBackend {
            connection.close()
            return
        }
        connection.park(in: self)
        self.idle[key, default: []].append(connection)
    }

    /// Forgets a parked connection (it closed or misbehaved).
    func remove(_ connection: BackendConnection) {
        let key = ObjectIdentifier(connection.slot)
        self.idle[key]?.removeAll { $0 === connection }
        if self.idle[key]?.isEmpty == true { self.idle[key] = nil }
    }

    /// Closes idle connections to backends that are no longer in the route table.
    func prune(keeping live: Set<ObjectIdentifier>) {
        for key in Array(self.idle.keys) where !live.contains(key) {
            let connections = self.idle.removeValue(forKey: key) ?? []
            for connection in connections {
                connection.pool = nil
                connection.close()
            }
        }
    }

    /// Closes the idle connections to the slots in `released` (no route names their backends any more).
    func prune(removing released: Set<ObjectIdentifier>) {
        for key in released {
            for connection in self.idle.removeValue(forKey: key) ?? [] {
                connection.pool = nil
                connection.close()
            }
        }
    }

    /// Closes every idle connection (router shutdown).
    func closeAll() {
        self.prune(keeping: [])
    }

    /// Number of idle connections to `slot`'s backend (for tests and diagnostics).
    func idleCount(_ slot: BackendSlot) -> Int {
        self.idle[ObjectIdentifier(slot)]?.count ?? 0
    }
}

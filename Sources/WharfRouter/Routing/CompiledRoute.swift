import NIOConcurrencyHelpers
import NIOCore

/// An HTTP or TCP route prepared for the hot path: immutable apart from the balancer cursor.
final class CompiledRoute: Sendable {
    let name: String
    let pathPrefix: String
    let slots: [BackendSlot]
    let balance: BalanceStrategy
    private let cursor: NIOLockedValueBox<Int>

    init(name: String, pathPrefix: String, slots: [BackendSlot], balance: BalanceStrategy) {
        self.name = name
        self.pathPrefix = pathPrefix
        self.slots = slots
        self.balance = balance
        self.cursor = NIOLockedValueBox(slots.isEmpty ? 0 : Int.random(in: 0..<slots.count))
    }

    /// Whether `uri` starts with this route's path prefix.
    @inline(__always)
    func matches(uri: String) -> Bool {
        uri.utf8.starts(with: self.pathPrefix.utf8)
    }

    /// Chooses a backend that is not in `excluded` and counts a request on it (the caller must
    /// `release()` it). Healthy backends are preferred; when all are ejected one is used anyway.
    func pick(excluding excluded: [ObjectIdentifier], now: NIODeadline) -> BackendSlot? {
        let count = self.slots.count
        guard count > 0 else { return nil }
        let start = self.cursor.withLockedValue { cursor -> Int in
            let value = cursor
            cursor = cursor == Int.max ? 0 : cursor + 1
            return value
        }
        switch self.balance {
        case .roundRobin:
            for step in 0..<count {
                let slot = self.slots[(start &+ step) % count]
                if !excluded.isEmpty, excluded.contains(ObjectIdentifier(slot)) { continue }
                if slot.acquireIfHealthy(now: now) { return slot }
            }
        case .leastConnections:
            var best: BackendSlot?
            var bestLoad = Int.max
            for step in 0..<count {
                let slot = self.slots[(start &+ step) % count]
                if !excluded.isEmpty, excluded.contains(ObjectIdentifier(slot)) { continue }
                if let load = slot.load(now: now), load < bestLoad {
                    best = slot
                    bestLoad = load
                }
            }
            if let best {
                best.acquire()
                return best
            }
        }
        // Every remaining backend is ejected: try them anyway, in turn.
        for step in 0..<count {
            let slot = self.slots[(start &+ step) % count]
            if !excluded.isEmpty, excluded.contains(ObjectIdentifier(slot)) { continue }
            slot.acquire()
            return slot
        }
        return nil
    }
}

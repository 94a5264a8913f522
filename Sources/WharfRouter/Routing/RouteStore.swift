import NIOConcurrencyHelpers

/// Holds the current compiled table behind a lock; readers take a reference (one short lock),
/// writers swap the whole table. Backend slots are carried over from table to table: a slot lives
/// while some route names its backend (counted per route), so its health and pooled connections
/// survive every update that keeps the backend.
final class RouteStore: Sendable {
    private struct State {
        var compiled: CompiledRoutes
        /// Every backend some route names, with its slot and how many routes name it.
        var slots: [Backend: (slot: BackendSlot, routes: Int)]
    }

    /// A table installed by `replace`.
    struct Replacement {
        let compiled: CompiledRoutes
        /// Slots no route names any more (their pooled connections can go).
        let released: Set<ObjectIdentifier>
    }

    private let state: NIOLockedValueBox<State>

    init() {
        self.state = NIOLockedValueBox(State(compiled: CompiledRoutes(table: RouteTable()) { _, _ in [] }, slots: [:]))
    }

    /// The table new requests use.
    var current: CompiledRoutes {
        self.state.withLockedValue { $0.compiled }
    }

    /// Compiles and installs `table`; returns nil when it equals the current table. Costs the
    /// routes that changed, plus a walk over the routes; a route whose backends changed costs a walk
    /// over its old and new backends and a slot lookup for each one added or removed.
    func replace(with table: RouteTable) -> Replacement? {
        self.state.withLockedValue { state in
            guard state.compiled.table != table else { return nil }
            var released = Set<ObjectIdentifier>()
            func acquire(_ backend: Backend) -> BackendSlot {
                if let held = state.slots[backend] {
                    state.slots[backend]?.routes = held.routes + 1
                    return held.slot
                }
                let slot = BackendSlot(backend: backend)
                state.slots[backend] = (slot, 1)
                return slot
            }
            func release(_ slot: BackendSlot) {
                guard let held = state.slots[slot.backend] else { return }
                if held.routes > 1 {
                    state.slots[slot.backend]?.routes = held.routes - 1
                } else {
                    state.slots[slot.backend] = nil
                    released.insert(ObjectIdentifier(slot))
                }
            }
            let compiled = CompiledRoutes(table: table, previous: state.compiled) { backends, predecessor in
                if let predecessor, let merged = Self.merge(backends, into: predecessor.slots) {
                    // Acquired before the releases: a backend that moved within the route keeps its slot.
                    let slots = merged.slots.map { $0.slot ?? acquire($0.backend) }
                    merged.removed.forEach(release)
                    return slots
                }
                var seen = Set<Backend>()
                let slots = backends.compactMap { backend in seen.insert(backend).inserted ? acquire(backend) : nil }
                predecessor?.slots.forEach(release)
                return slots
            }
            for route in compiled.dropped {
                route.slots.forEach(release)
            }
            state.compiled = compiled
            return Replacement(compiled: compiled, released: released)
        }
    }

    /// The slots of a route's new `backends` matched with its current `slots` in one walk over both,
    /// when both are in strictly increasing id order (as the catalog keeps a service's endpoints):
    /// each new backend with its current slot if it has one, and the current slots no longer used.
    /// Nil when either list is not in that order.
    static func merge(_ backends: [Backend], into slots: [BackendSlot]) -> (slots: [(backend: Backend, slot: BackendSlot?)], removed: [BackendSlot])? {
        var merged: [(backend: Backend, slot: BackendSlot?)] = []
        merged.reserveCapacity(backends.count)
        var removed: [BackendSlot] = []
        var (i, j) = (0, 0)
        while i < backends.count || j < slots.count {
            if i > 0, i < backends.count, backends[i].id <= backends[i - 1].id { return nil }
            if j > 0, j < slots.count, slots[j].backend.id <= slots[j - 1].backend.id { return nil }
            if j == slots.count || (i < backends.count && backends[i].id < slots[j].backend.id) {
                merged.append((backends[i], nil))
                i += 1
            } else if i == backends.count || backends[i].id > slots[j].backend.id || backends[i] != slots[j].backend {
                removed.append(slots[j])
                j += 1
            } else {
                merged.append((backends[i], slots[j]))
                i += 1
                j += 1
            }
        }
        return (merged, removed)
    }

    /// Slots every route of the current table uses (for tests).
    var liveSlots: Set<ObjectIdentifier> {
        self.state.withLockedValue { Set($0.slots.values.map { ObjectIdentifier($0.slot) }) }
    }
}

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
        self.state = NIOLockedValueBox(State(compiled: CompiledRoutes(table: RouteTable()) { _ in [] }, slots: [:]))
    }

    /// The table new requests use.
    var current: CompiledRoutes {
        self.state.withLockedValue { $0.compiled }
    }

    /// Compiles and installs `table`; returns nil when it equals the current table. Costs the
    /// routes that changed, plus a walk over the routes.
    func replace(with table: RouteTable) -> Replacement? {
        self.state.withLockedValue { state in
            guard state.compiled.table != table else { return nil }
            let compiled = CompiledRoutes(table: table, previous: state.compiled) { backends in
                var seen = Set<Backend>()
                return backends.compactMap { backend in
                    guard seen.insert(backend).inserted else { return nil }
                    if let held = state.slots[backend] {
                        state.slots[backend]?.routes = held.routes + 1
                        return held.slot
                    }
                    let slot = BackendSlot(backend: backend)
                    state.slots[backend] = (slot, 1)
                    return slot
                }
            }
            var released = Set<ObjectIdentifier>()
            for route in compiled.dropped {
                for slot in route.slots {
                    guard let held = state.slots[slot.backend] else { continue }
                    if held.routes > 1 {
                        state.slots[slot.backend]?.routes = held.routes - 1
                    } else {
                        state.slots[slot.backend] = nil
                        released.insert(ObjectIdentifier(slot))
                    }
                }
            }
            state.compiled = compiled
            return Replacement(compiled: compiled, released: released)
        }
    }

    /// Slots every route of the current table uses (for tests).
    var liveSlots: Set<ObjectIdentifier> {
        self.state.withLockedValue { Set($0.slots.values.map { ObjectIdentifier($0.slot) }) }
    }
}

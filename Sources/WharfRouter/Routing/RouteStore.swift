import NIOConcurrencyHelpers

/// Holds the current compiled table behind a lock; readers take a reference (one short lock),
/// writers swap the whole table. Backend slots are carried over from table to table.
final class RouteStore: Sendable {
    private struct State {
        var compiled: CompiledRoutes
        var slots: [Backend: BackendSlot]
    }

    private let state: NIOLockedValueBox<State>

    init() {
        self.state = NIOLockedValueBox(State(compiled: CompiledRoutes(table: RouteTable()) { BackendSlot(backend: $0) }, slots: [:]))
    }

    /// The table new requests use.
    var current: CompiledRoutes {
        self.state.withLockedValue { $0.compiled }
    }

    /// Compiles and installs `table`; returns nil when it equals the current table.
    func replace(with table: RouteTable) -> CompiledRoutes? {
        self.state.withLockedValue { state in
            guard state.compiled.table != table else { return nil }
            var slots: [Backend: BackendSlot] = [:]
            let old = state.slots
            let compiled = CompiledRoutes(table: table) { backend in
                if let slot = slots[backend] { return slot }
                let slot = old[backend] ?? BackendSlot(backend: backend)
                slots[backend] = slot
                return slot
            }
            state = State(compiled: compiled, slots: slots)
            return compiled
        }
    }
}

/// What it takes to bring a running HAProxy from what it has to what the routes want: runtime API
/// commands when only servers differ, a reload when the structure (frontends, rules, backends)
/// differs. Pure: computed from the loaded layout, the desired layout and the observed servers.
public enum HAProxyPlan: Sendable, Equatable {
    /// Only servers differ: these commands (possibly none) make the running HAProxy match.
    case runtime([HAProxyRuntimeCommand])
    /// The structure changed: write the config and reload. `runtime` holds the server changes for
    /// backends that exist in both, to apply at once while the reload waits (or if it fails).
    case reload(runtime: [HAProxyRuntimeCommand])

    /// The plan from `loaded` (the layout of the config HAProxy runs; nil when unknown) to `desired`,
    /// given the servers HAProxy reports. Level-triggered: a command refused in an earlier round
    /// (a busy `del server`) is planned again as long as the difference remains.
    public init(loaded: HAProxyLayout?, desired: HAProxyLayout, observed: [HAProxyServerState]) {
        let observedByBackend = Dictionary(grouping: observed, by: \.backend)
        var commands: [HAProxyRuntimeCommand] = []
        for backend in desired.backends where loaded?.backend(named: backend.name)?.mode == backend.mode {
            commands += Self.commands(
                for: backend, observed: observedByBackend[backend.name] ?? [], serverOptions: desired.serverOptions
            )
        }
        if let loaded, loaded.structure == desired.structure {
            self = .runtime(commands)
        } else {
            self = .reload(runtime: commands)
        }
    }

    /// The plan between two route tables when HAProxy is known to run `old` exactly (its servers
    /// all ready): the diff of old and new routes.
    public init(old: HAProxyLayout, new: HAProxyLayout) {
        let observed = old.backends.flatMap { backend in
            backend.servers.map { HAProxyServerState(backend: backend.name, name: $0.name, address: $0.host, port: $0.port) }
        }
        self.init(loaded: old, desired: new, observed: observed)
    }

    /// The runtime commands of this plan.
    public var commands: [HAProxyRuntimeCommand] {
        switch self {
        case .runtime(let commands), .reload(let commands): return commands
        }
    }

    /// Adds first (so a backend is never emptier than necessary), then fixes, then removals.
    static func commands(
        for backend: HAProxyLayout.Backend, observed: [HAProxyServerState], serverOptions: String
    ) -> [HAProxyRuntimeCommand] {
        let actual = Dictionary(observed.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let wanted = Set(backend.servers.map(\.name))
        var adds: [HAProxyRuntimeCommand] = []
        var fixes: [HAProxyRuntimeCommand] = []
        for server in backend.servers {
            guard let state = actual[server.name] else {
                adds += [
                    .addServer(backend: backend.name, server: server.name, host: server.host, port: server.port,
                               options: serverOptions),
                    .enableHealth(backend: backend.name, server: server.name),
                    .setState(backend: backend.name, server: server.name, state: .ready),
                ]
                continue
            }
            if isAddressLiteral(server.host), state.address != server.host || state.port != server.port {
                fixes.append(.setAddress(backend: backend.name, server: server.name, host: server.host, port: server.port))
            }
            if state.forcedOutOfService {
                fixes.append(.setState(backend: backend.name, server: server.name, state: .ready))
            }
        }
        var removals: [HAProxyRuntimeCommand] = []
        for state in observed.sorted(by: { $0.name < $1.name }) where !wanted.contains(state.name) {
            if !state.inMaintenance {
                removals.append(.setState(backend: backend.name, server: state.name, state: .maint))
            }
            removals.append(.deleteServer(backend: backend.name, server: state.name))
        }
        return adds + fixes + removals
    }

    /// Whether `host` is an IP literal (HAProxy reports addresses as IPs; a host name would never match).
    static func isAddressLiteral(_ host: String) -> Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }
}

import Foundation
import Logging

/// Keeps one HAProxy in step with Wharf's routes. Each round (`sync`) is level-triggered: it reads
/// what HAProxy runs (`show servers state`), plans against the routes and applies the difference —
/// runtime API commands for servers, a validated config write plus reload for structural changes.
/// Re-running a round with the same routes does nothing.
public actor HAProxySynchronizer {
    /// Whether a round left HAProxy fully in step.
    public enum Outcome: Sendable, Equatable {
        /// HAProxy matches the routes (or a rejected config is being held back until routes change).
        case inSync
        /// Something must be retried soon (a busy server, a reload held back by the rate limit).
        case retry(String)
    }

    let configuration: HAProxySyncConfiguration
    let runtime: HAProxyRuntimeClient
    let control: HAProxyControl
    let logger: Logger
    /// The layout of the config HAProxy has loaded, nil when not known.
    var loaded: HAProxyLayout?
    /// A config text `haproxy -c` rejected: not retried until the routes produce different text.
    var rejectedText: String?
    /// Whether the first round looked at the file an earlier run may have left.
    var checkedFileOnDisk = false
    var lastReload: ContinuousClock.Instant?
    var lastWarnings: [String] = []
    /// Called with each config text that differs from the previous one (`--print`).
    let onNewConfig: (@Sendable (String) -> Void)?
    var lastText: String?
    /// Reloads done, for the log and tests.
    public internal(set) var reloadCount = 0

    /// A synchronizer writing `configuration.configPath`, talking to HAProxy through `runtime` and `control`.
    public init(
        configuration: HAProxySyncConfiguration, runtime: HAProxyRuntimeClient, control: HAProxyControl, logger: Logger,
        onNewConfig: (@Sendable (String) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.onNewConfig = onNewConfig
        self.runtime = runtime
        self.control = control
        self.logger = logger
    }

    /// One reconcile round for `routes`. Throws when HAProxy cannot be reached or a reload failed;
    /// HAProxy then keeps running what it has.
    public func sync(_ routes: HAProxyRoutes) async throws -> Outcome {
        let layout = HAProxyLayout(routes: routes, settings: configuration.settings)
        let text = HAProxyConfigRenderer.render(layout, settings: configuration.settings)
        if text != lastText {
            onNewConfig?(text)
            lastText = text
        }
        if layout.warnings != lastWarnings {
            for warning in layout.warnings { logger.warning("\(warning)") }
            lastWarnings = layout.warnings
        }
        if configuration.managesProcess, await !control.isManagedRunning {
            try await startManaged(text: text, layout: layout)
        }
        if !checkedFileOnDisk {
            checkedFileOnDisk = true
            // A file of this structure (written by an earlier run) is assumed loaded: servers are fixed at runtime.
            if loaded == nil, let onDisk = HAProxyConfigFile.read(configuration.configPath),
               HAProxyConfigRenderer.skeleton(of: onDisk) == HAProxyConfigRenderer.skeleton(of: text) {
                loaded = layout
            }
        }
        let observed: [HAProxyServerState]
        do {
            observed = try await runtime.serverStates()
        } catch let error as HAProxyRuntimeError where loaded == nil && !configuration.managesProcess {
            // HAProxy may run a config without this socket: loading ours opens it.
            logger.warning("\(error); writing \(configuration.configPath) and reloading HAProxy")
            return try await reloadIfAllowed(text: text, layout: layout)
        }
        let plan = HAProxyPlan(loaded: loaded, desired: layout, observed: observed)
        let result = try await apply(plan.commands)
        if case .runtime = plan {
            guard result.needsReload else {
                try await writeIfChanged(text)
                return result.pending.map(Outcome.retry) ?? .inSync
            }
            logger.warning("HAProxy lacks a backend of its config file; reloading")
        }
        return try await reloadIfAllowed(text: text, layout: layout)
    }

    /// Writes the new config (after `haproxy -c`) and reloads, unless the text was rejected before or
    /// the last reload was too recent.
    private func reloadIfAllowed(text: String, layout: HAProxyLayout) async throws -> Outcome {
        if text == rejectedText { return .inSync }
        if let lastReload, ContinuousClock.now < lastReload + configuration.minReloadInterval {
            return .retry("reload held back for at most \(configuration.minReloadInterval)")
        }
        try await reload(text: text, layout: layout)
        // Servers that changed while the reload ran: same round, runtime only.
        let plan = HAProxyPlan(loaded: layout, desired: layout, observed: try await runtime.serverStates())
        let result = try await apply(plan.commands)
        return result.pending.map(Outcome.retry) ?? .inSync
    }
}

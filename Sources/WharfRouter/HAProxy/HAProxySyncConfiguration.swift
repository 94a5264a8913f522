/// Settings of the `wharf haproxy` sync loop. Defaults are documented per field.
public struct HAProxySyncConfiguration: Sendable {
    /// The haproxy.cfg this command owns.
    public var configPath: String
    /// How the file looks apart from the routes.
    public var settings: HAProxySettings
    /// Whether this command started HAProxy (`--start`) and so restarts it if it dies.
    public var managesProcess: Bool
    /// Least time between two reloads (default 2 s): structural changes arriving faster are batched.
    public var minReloadInterval: Duration
    /// How long a reload may take to show a new worker before it counts as failed (default 15 s).
    public var reloadTimeout: Duration
    /// Longest blocking query on Wharf's routes (default 60 s); every answer triggers a full resync.
    public var resyncInterval: Duration
    /// Blocking-query wait while something is left to retry, e.g. a busy `del server` (default 2 s).
    public var retryInterval: Duration
    /// Longest pause between attempts while Wharf or HAProxy cannot be reached (default 30 s).
    public var maxBackoff: Duration

    /// A configuration with the documented defaults.
    public init(
        configPath: String, settings: HAProxySettings, managesProcess: Bool = false,
        minReloadInterval: Duration = .seconds(2), reloadTimeout: Duration = .seconds(15),
        resyncInterval: Duration = .seconds(60), retryInterval: Duration = .seconds(2), maxBackoff: Duration = .seconds(30)
    ) {
        self.configPath = configPath
        self.settings = settings
        self.managesProcess = managesProcess
        self.minReloadInterval = minReloadInterval
        self.reloadTimeout = reloadTimeout
        self.resyncInterval = resyncInterval
        self.retryInterval = retryInterval
        self.maxBackoff = maxBackoff
    }
}

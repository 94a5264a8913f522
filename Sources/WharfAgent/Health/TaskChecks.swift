import WharfModel

/// Everything the agent needs to run one task's health and readiness checks, resolved at launch
/// and persisted in the task's ``TaskRecord`` so that a restarted agent resumes the checks of the
/// tasks it re-adopts. The sandbox and cgroups come from the task's ``TaskHandle``.
struct TaskChecks: Codable, Hashable, Sendable {
    /// The app's `healthChecks`, in order.
    var healthChecks: [HealthCheck]
    /// The app's `readinessChecks`, in order.
    var readinessChecks: [ReadinessCheck]
    /// The agent's advertised host, where the task's ports are reachable.
    var host: String
    /// The host ports assigned to the instance.
    var ports: [Int]
    /// The declared name of each port (`portDefinitions[].name`, or `portMappings[].name` when the
    /// app maps container ports), index-aligned with `ports`.
    var portNames: [String?]
    /// The task's environment, kept only when a COMMAND check needs it.
    var environment: [String: String]?

    /// The checks of `launch`'s task; nil when its app has neither health nor readiness checks.
    init?(launch: LaunchTask, host: String, environment: [String: String]) {
        let app = launch.app
        guard !app.healthChecks.isEmpty || !app.readinessChecks.isEmpty else { return nil }
        healthChecks = app.healthChecks
        readinessChecks = app.readinessChecks
        self.host = host
        ports = launch.instance.ports
        if let mappings = app.container?.portMappings, !mappings.isEmpty {
            portNames = mappings.map(\.name)
        } else {
            portNames = app.portDefinitions.map(\.name)
        }
        self.environment = app.healthChecks.contains { $0.protocol == .command } ? environment : nil
    }

    /// What the task's statuses carry before any check has completed: no health check results yet,
    /// no readiness check ready.
    var initialHealth: TaskHealth {
        TaskHealth(
            results: Array(repeating: nil, count: healthChecks.count),
            readiness: readinessChecks.map { ReadinessCheckResult(name: $0.name, ready: false) })
    }

    /// The host port health check `check` probes: `ports[portIndex]`, else the literal `port`, else
    /// the first assigned port. Throws a failure cause when there is none.
    func port(of check: HealthCheck) throws(ProbeFailure) -> Int {
        if let index = check.portIndex {
            guard ports.indices.contains(index) else {
                throw ProbeFailure("portIndex \(index) out of range (the task has \(ports.count) ports)")
            }
            return ports[index]
        }
        if let port = check.port { return port }
        guard let first = ports.first else { throw ProbeFailure("the task has no port to check") }
        return first
    }

    /// The host port whose declared name is `check.portName`; nil when no port has that name.
    func port(of check: ReadinessCheck) -> Int? {
        guard let index = portNames.firstIndex(where: { $0 == check.portName }), ports.indices.contains(index)
        else { return nil }
        return ports[index]
    }

    /// How a health check is named in kill reasons and logs: `HTTP /health`, `TCP`, `COMMAND`.
    static func label(of check: HealthCheck) -> String {
        if check.protocol.isHTTP { return "\(check.protocol.rawValue) \(check.path ?? "/")" }
        return check.protocol.rawValue
    }
}

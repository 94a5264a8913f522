/// The outcome so far of one health check against one task: Marathon's `healthCheckResults[]`
/// element (`alive`, `consecutiveFailures`, `firstSuccess`, `lastSuccess`, `lastFailure`,
/// `lastFailureCause`).
public struct HealthCheckResult: Codable, Hashable, Sendable {
    /// Whether the last completed check passed.
    public var alive: Bool
    /// Failures since the last success, counting only those after the grace period (or after the
    /// first success).
    public var consecutiveFailures: Int
    public var firstSuccess: Timestamp?
    public var lastSuccess: Timestamp?
    public var lastFailure: Timestamp?
    /// Why the last failure failed (`connection refused`, `HTTP 503`, `timed out after 2 s`, ...).
    public var lastFailureCause: String?

    public init(alive: Bool, consecutiveFailures: Int = 0, firstSuccess: Timestamp? = nil, lastSuccess: Timestamp? = nil,
                lastFailure: Timestamp? = nil, lastFailureCause: String? = nil) {
        self.alive = alive
        self.consecutiveFailures = consecutiveFailures
        self.firstSuccess = firstSuccess
        self.lastSuccess = lastSuccess
        self.lastFailure = lastFailure
        self.lastFailureCause = lastFailureCause
    }
}

/// The last response of a readiness check (Marathon's `readinessCheckResults[]` element, shown in
/// a deployment's `currentActions`).
public struct ReadinessCheckResult: Codable, Hashable, Sendable {
    public struct Response: Codable, Hashable, Sendable {
        public var status: Int
        public var contentType: String
        public var body: String

        public init(status: Int, contentType: String, body: String) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    /// The check's `name`.
    public var name: String
    public var ready: Bool
    /// The last HTTP response, when the check has `preserveLastResponse`.
    public var lastResponse: Response?

    public init(name: String, ready: Bool, lastResponse: Response? = nil) {
        self.name = name
        self.ready = ready
        self.lastResponse = lastResponse
    }
}

/// What an agent's checks say about one task. Sent with every status whose health changed.
public struct TaskHealth: Codable, Hashable, Sendable {
    /// One entry per `healthChecks[]` element, in order; nil until that check has completed once.
    public var results: [HealthCheckResult?]
    /// One entry per `readinessChecks[]` element; empty when the app has none. Readiness checks stop
    /// once the task is ready.
    public var readiness: [ReadinessCheckResult]
    /// Set once a check has failed `maxConsecutiveFailures` times in a row after its grace period:
    /// the control plane kills the instance with this reason and replaces it.
    public var killReason: String?

    public init(results: [HealthCheckResult?] = [], readiness: [ReadinessCheckResult] = [], killReason: String? = nil) {
        self.results = results
        self.readiness = readiness
        self.killReason = killReason
    }

    /// Marathon's instance health: false when any check's last result failed, true when every check
    /// has passed its last run, nil while unknown (no checks, or some have not completed yet).
    public var healthy: Bool? {
        guard !results.isEmpty else { return nil }
        var unknown = false
        for result in results {
            guard let result else { unknown = true; continue }
            if !result.alive { return false }
        }
        return unknown ? nil : true
    }

    /// Whether every readiness check has reported ready (true when there are none).
    public var ready: Bool {
        readiness.allSatisfy(\.ready)
    }
}

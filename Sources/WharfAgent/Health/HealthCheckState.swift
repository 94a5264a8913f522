import WharfModel

/// One health check of one task as Marathon runs it: the result so far, whether an attempt's
/// outcome counts, when to check next, and when the task has failed too often.
///
/// Pure: times are passed in, so that the rules can be tested without waiting.
struct HealthCheckState: Sendable {
    let check: HealthCheck
    /// The check's position in the app's `healthChecks` (named in the kill reason).
    let index: Int
    /// When the task started; the grace period counts from here (also after an agent restart).
    let taskStartedAt: Timestamp
    /// Nil until an attempt has counted.
    private(set) var result: HealthCheckResult?
    /// Set once the check failed `maxConsecutiveFailures` times in a row; checking stops then.
    private(set) var killReason: String?

    /// `seconds` within 1 s ... `AppDefinition.maxSeconds` (a year): definitions stored before that
    /// bound was validated must not overflow a timer.
    static func bounded(_ seconds: Int) -> Int { min(max(1, seconds), AppDefinition.maxSeconds) }

    init(check: HealthCheck, index: Int, taskStartedAt: Timestamp) {
        self.check = check
        self.index = index
        self.taskStartedAt = taskStartedAt
    }

    /// Seconds to wait before the first attempt: none for checks Marathon runs itself (HTTP,
    /// HTTPS, TCP); what is left of `delaySeconds` since the task started for the checks Mesos runs
    /// (MESOS_*, COMMAND).
    func initialDelay(now: Timestamp) -> Double {
        guard check.protocol.isMesosCheck else { return 0 }
        return max(0, Double(min(check.delaySeconds, AppDefinition.maxSeconds)) - now.seconds(since: taskStartedAt))
    }

    /// Seconds between the start of one attempt and the next: at most one second while a starting
    /// task has not passed yet and is within its grace period (so that it becomes healthy soon),
    /// `intervalSeconds` otherwise (at least one second).
    func interval(now: Timestamp) -> Double {
        let interval = Double(Self.bounded(check.intervalSeconds))
        return result?.firstSuccess == nil && isInGracePeriod(now: now) ? min(interval, 1) : interval
    }

    /// Per-attempt time limit (at least one second).
    var timeout: Duration { .seconds(Self.bounded(check.timeoutSeconds)) }

    /// Whether `now` lies within `gracePeriodSeconds` of the task's start.
    func isInGracePeriod(now: Timestamp) -> Bool {
        now.seconds(since: taskStartedAt) < Double(min(check.gracePeriodSeconds, AppDefinition.maxSeconds))
    }

    /// Applies one attempt's outcome. Returns whether the result changed in a way the control plane
    /// must hear of: the first counted result, `alive` flipping, or the failure count changing.
    /// Repeated successes change only `lastSuccess` and are not worth a report.
    mutating func record(_ outcome: ProbeOutcome, at now: Timestamp) -> Bool {
        switch outcome {
        case .ignored:
            return false
        case .success:
            var updated = result ?? HealthCheckResult(alive: true)
            let material = result == nil || !updated.alive || updated.consecutiveFailures != 0
            updated.alive = true
            updated.consecutiveFailures = 0
            updated.lastSuccess = now
            if updated.firstSuccess == nil { updated.firstSuccess = now }
            result = updated
            return material
        case .failure(let cause):
            // A starting task may fail its checks until its first success or the grace period's end.
            if result?.firstSuccess == nil && isInGracePeriod(now: now) { return false }
            var updated = result ?? HealthCheckResult(alive: false)
            updated.alive = false
            updated.consecutiveFailures += 1
            updated.lastFailure = now
            updated.lastFailureCause = cause
            result = updated
            if check.maxConsecutiveFailures > 0 && updated.consecutiveFailures >= check.maxConsecutiveFailures {
                killReason = "health check \(index) (\(TaskChecks.label(of: check))) failed "
                    + "\(updated.consecutiveFailures) times in a row: \(cause)"
            }
            return true
        }
    }
}

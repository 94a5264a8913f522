import WharfModel

/// The launch delay of one app whose instances keep failing (Marathon's `RateLimiter`).
///
/// The first counted failure delays further launches by `backoffSeconds`; every further
/// `TASK_FAILED`/`TASK_FINISHED` multiplies the delay by `backoffFactor`, capped at
/// `maxLaunchDelaySeconds`. Kills (`TASK_KILLED`) do not count. The delay belongs to one configuration
/// of the app: a new configuration version starts undelayed. It is also cleared by an explicit reset
/// (`DELETE /v2/queue/{id}/delay`) and once the app has gone `currentDelay + maxLaunchDelay` seconds
/// without a failure (`resetIfStable(now:)`).
///
/// The control plane keeps one value per app, passes them to the scheduler in
/// `SchedulerView.backoff`, and persists them (the type is `Codable`).
public struct LaunchBackoff: Codable, Hashable, Sendable {
    /// The app configuration (`versionInfo.lastConfigChangeAt`) the delay was built up for.
    public private(set) var configVersion: Timestamp?
    /// The delay imposed by the latest failure, in seconds; 0 when not delayed.
    public private(set) var currentDelaySeconds: Double
    /// The cap on the delay, copied from the app when the latest failure was recorded.
    public private(set) var maxLaunchDelaySeconds: Double
    /// When the latest counted failure happened; nil when there was none since the last reset.
    public private(set) var lastFailureAt: Timestamp?
    /// Launches are held back until this moment; nil when not delayed.
    public private(set) var delayedUntil: Timestamp?
    /// Failures counted since the last reset.
    public private(set) var failures: Int

    /// A backoff with no failures recorded: launches are not delayed.
    public init() {
        configVersion = nil
        currentDelaySeconds = 0
        maxLaunchDelaySeconds = 0
        lastFailureAt = nil
        delayedUntil = nil
        failures = 0
    }

    /// Counts one failed launch of `app` at `now` and extends the delay.
    ///
    /// A failure of a configuration other than the one the delay was built for starts over at
    /// `backoffSeconds` (Marathon keys delays by app and configuration version).
    public mutating func recordFailure(app: AppDefinition, now: Timestamp) {
        let version = Scheduler.configVersion(of: app)
        if configVersion != version { reset() }
        let maxDelay = Double(max(0, app.maxLaunchDelaySeconds))
        if failures == 0 {
            currentDelaySeconds = Double(max(0, app.backoffSeconds))
        } else {
            currentDelaySeconds = min(currentDelaySeconds * max(1, app.backoffFactor), maxDelay)
        }
        configVersion = version
        maxLaunchDelaySeconds = maxDelay
        failures += 1
        lastFailureAt = now
        delayedUntil = now.adding(seconds: currentDelaySeconds)
    }

    /// Records that an instance of `app` ended in `state` at `now`: counted as a failure when the
    /// state is one that Marathon counts (failed, finished, error, lost, ...), ignored for kills.
    /// Returns whether it counted.
    @discardableResult
    public mutating func recordTermination(_ state: TaskState, app: AppDefinition, now: Timestamp) -> Bool {
        guard state.countsAsLaunchFailure else { return false }
        recordFailure(app: app, now: now)
        return true
    }

    /// Whether launches are held back at `now`.
    public func isDelayed(now: Timestamp) -> Bool {
        guard let until = delayedUntil else { return false }
        return now < until
    }

    /// Whether this delay applies to `app` as it is now defined (it was built for the same
    /// configuration version). A delay of an older configuration no longer holds launches back.
    public func applies(to app: AppDefinition) -> Bool {
        failures > 0 && configVersion == Scheduler.configVersion(of: app)
    }

    /// Whether launches of `app` are held back at `now`: the delay applies to its configuration and
    /// has not run out.
    public func isDelaying(_ app: AppDefinition, now: Timestamp) -> Bool {
        applies(to: app) && isDelayed(now: now)
    }

    /// Seconds until launches may resume, 0 when not delayed (`/v2/queue` `delay.timeLeftSeconds`).
    public func timeLeftSeconds(now: Timestamp) -> Double {
        guard let until = delayedUntil else { return 0 }
        return max(0, until.seconds(since: now))
    }

    /// Clears the delay and the failure count (explicit reset, `DELETE /v2/queue/{id}/delay`).
    public mutating func reset() {
        self = LaunchBackoff()
    }

    /// Clears the delay when `app` has a different configuration version than the one the delay was
    /// built for (a new version is not punished for the old one's failures). Returns whether it reset.
    @discardableResult
    public mutating func resetIfConfigChanged(app: AppDefinition) -> Bool {
        guard failures > 0, configVersion != Scheduler.configVersion(of: app) else { return false }
        reset()
        return true
    }

    /// Clears the delay when no failure was recorded for `currentDelay + maxLaunchDelay` seconds
    /// (Marathon's overdue-delay cleanup): the app has been stable long enough to start over with
    /// `backoffSeconds` at its next failure. Returns whether it reset.
    @discardableResult
    public mutating func resetIfStable(now: Timestamp) -> Bool {
        guard failures > 0, let last = lastFailureAt else { return false }
        guard now.seconds(since: last) >= currentDelaySeconds + maxLaunchDelaySeconds else { return false }
        reset()
        return true
    }
}

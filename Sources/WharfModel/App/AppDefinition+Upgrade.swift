extension AppDefinition {
    /// `self` without the fields that do not affect running tasks' configuration: `instances`,
    /// `version`, `versionInfo`, and Wharf's deployment policy (`progressDeadlineSeconds`,
    /// `autoRollback`), which only governs how deployments are judged.
    private var configuration: AppDefinition {
        var copy = self
        copy.instances = 0
        copy.version = nil
        copy.versionInfo = nil
        copy.progressDeadlineSeconds = nil
        copy.autoRollback = nil
        return copy
    }

    /// Whether going from `old` to `self` only changes the instance count (Marathon's
    /// `isOnlyScaleChange`): a `ScaleApplication`, no restart of running tasks. Identical
    /// definitions are neither a scale change nor a restart.
    public func isOnlyScaleChange(from old: AppDefinition) -> Bool {
        instances != old.instances && configuration == old.configuration
    }

    /// Whether going from `old` to `self` changes anything but `instances`/`version`/`versionInfo`
    /// (and the deployment policy),
    /// so that running tasks must be replaced by a rolling restart (`isUpgrade` in Marathon).
    public func needsRestart(from old: AppDefinition) -> Bool {
        configuration != old.configuration
    }
}

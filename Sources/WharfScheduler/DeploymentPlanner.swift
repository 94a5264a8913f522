import WharfModel

/// Builds deployment plans and judges when their actions are done (Marathon's `DeploymentPlan` and
/// the completion checks of its deployment actors).
public enum DeploymentPlanner {
    /// The steps that take the apps from `original` to `target` (absent key: the app does not exist
    /// on that side), in Marathon's order: one step stopping removed apps, one starting new apps (a
    /// no-op placeholder with 0 instances), then one step per dependency layer, dependencies first —
    /// new app or scale-only change → `ScaleApplication`, configuration change → `RestartApplication`,
    /// unchanged → nothing. Empty steps are dropped; actions within a step are sorted by app id.
    public static func steps(original: [PathId: AppDefinition], target: [PathId: AppDefinition]) -> [DeploymentStep] {
        var steps: [DeploymentStep] = []
        let removed = original.keys.filter { target[$0] == nil }.sorted()
        steps.append(DeploymentStep(actions: removed.map { DeploymentAction(action: .stopApplication, app: $0) }))
        let added = target.keys.filter { original[$0] == nil }.sorted()
        steps.append(DeploymentStep(actions: added.map { DeploymentAction(action: .startApplication, app: $0) }))

        let layers = dependencyLayers(target)
        for layer in layers {
            var actions: [DeploymentAction] = []
            for id in layer {
                guard let new = target[id] else { continue }
                if let kind = action(from: original[id], to: new) {
                    actions.append(DeploymentAction(action: kind, app: id))
                }
            }
            steps.append(DeploymentStep(actions: actions))
        }
        return steps.filter { !$0.actions.isEmpty }
    }

    /// What one app needs to move from `old` (nil: new app) to `new`, nil when nothing.
    static func action(from old: AppDefinition?, to new: AppDefinition) -> DeploymentAction.Kind? {
        guard let old else { return .scaleApplication }
        if new.isOnlyScaleChange(from: old) { return .scaleApplication }
        if new.instances == 0 && old.instances != 0 { return .scaleApplication }
        if new.needsRestart(from: old) || Scheduler.configVersion(of: old) != Scheduler.configVersion(of: new) {
            return .restartApplication
        }
        return nil
    }

    /// Apps grouped by the length of their longest dependency chain within `apps` (layer 0 depends on
    /// nothing). A dependency on a group means every app below it. Cycles (rejected by validation)
    /// are cut where they close.
    static func dependencyLayers(_ apps: [PathId: AppDefinition]) -> [[PathId]] {
        let ids = apps.keys.sorted()
        var depth: [PathId: Int] = [:]
        var visiting = Set<PathId>()

        func dependencies(of app: AppDefinition) -> [PathId] {
            var result: [PathId] = []
            for dependency in app.dependencies {
                if apps[dependency] != nil {
                    if dependency != app.id { result.append(dependency) }
                } else {
                    result += ids.filter { $0 != app.id && $0.isDescendant(of: dependency) }
                }
            }
            return result
        }

        func layer(_ id: PathId) -> Int {
            if let d = depth[id] { return d }
            guard let app = apps[id], visiting.insert(id).inserted else { return 0 }
            var d = 0
            for dependency in dependencies(of: app) where !visiting.contains(dependency) {
                d = max(d, layer(dependency) + 1)
            }
            visiting.remove(id)
            depth[id] = d
            return d
        }

        var layers: [[PathId]] = []
        for id in ids {
            let d = layer(id)
            while layers.count <= d { layers.append([]) }
            layers[d].append(id)
        }
        return layers
    }

    /// Whether `action` is done given every non-terminal instance the control plane knows
    /// (`instances` may include other apps' instances; `app` is the action's target definition).
    public static func isActionComplete(_ action: DeploymentAction, app: AppDefinition?, instances: some Sequence<Instance>) -> Bool {
        isActionComplete(action, app: app, counts: ProgressCounts(instances.lazy.filter { $0.appId == action.app }))
    }

    /// Whether `action` is done, given the counts of the app's active instances.
    ///
    /// Start: at once. Stop: no non-terminal instance of the app is left. Scale and restart: exactly
    /// `app.instances` goal-running instances, all of the current configuration and running and
    /// healthy, and no goal-running instance of an older configuration. Without `app`, scale and
    /// restart are judged like stop.
    public static func isActionComplete(_ action: DeploymentAction, app: AppDefinition?, counts: ProgressCounts) -> Bool {
        switch action.action {
        case .startApplication:
            return true
        case .stopApplication:
            return counts.total == 0
        case .scaleApplication, .restartApplication:
            guard let app else { return counts.total == 0 }
            let version = Scheduler.configVersion(of: app)
            var count = 0
            for (key, n) in counts.counts {
                // Instances being killed must have stopped too, as in Marathon.
                guard key.goalRunning, key.configVersion == version, key.isServing(app) else { return false }
                count += n
            }
            return count == max(0, app.instances)
        }
    }

    /// A measure of how far `action` has come, which grows whenever it makes progress: instances of
    /// the target configuration that serve (healthy and ready), minus instances that still have to
    /// go (any instance of a stopped app; old-configuration, killed or surplus ones otherwise).
    public static func progress(_ action: DeploymentAction, app: AppDefinition?, instances: some Sequence<Instance>) -> Int {
        progress(action, app: app, counts: ProgressCounts(instances.lazy.filter { $0.appId == action.app }))
    }

    /// `progress` from the counts of the app's active instances.
    public static func progress(_ action: DeploymentAction, app: AppDefinition?, counts: ProgressCounts) -> Int {
        let all = counts.total
        guard let app, action.action != .stopApplication else { return -all }
        let version = Scheduler.configVersion(of: app)
        let target = max(0, app.instances)
        var current = 0
        var serving = 0
        for (key, n) in counts.counts where key.goalRunning && key.configVersion == version {
            current += n
            if key.isServing(app) { serving += n }
        }
        // Everything beyond the `target` instances to keep has to go: old configurations, instances
        // being killed, a current-configuration surplus. Each exit is progress.
        let leaving = all - min(current, target)
        return min(serving, target) - leaving
    }
}

import WharfDiscovery
import WharfModel

/// Writes Marathon's AppInfo (`types/app.raml`): the app definition plus what `embed` asks for —
/// `tasksStaged`, `tasksRunning`, `tasksHealthy`, `tasksUnhealthy`, `deployments:[{"id"}]`,
/// `readinessCheckResults`, `tasks`, `lastTaskFailure`, `tasksStats` (asked for as `taskStats`).
///
/// Built once per request from one `ClusterState` snapshot: deployments are indexed by app once,
/// instances are looked up through `instanceIdsByApp`, and the definition's JSON comes from the
/// `AppJSONCache`, with the extra keys spliced in before its closing brace.
struct AppInfoRenderer {
    let state: ClusterState
    private(set) var json: AppJSONCache.Session
    private let deploymentIds: [PathId: [String]]

    init(state: ClusterState, cache: AppJSONCache) {
        self.state = state
        json = cache.session()
        var index: [PathId: [String]] = [:]
        for deployment in state.deployments.values.sorted(by: { ($0.version, $0.id) < ($1.version, $1.id) }) {
            for app in deployment.affectedApps { index[app, default: []].append(deployment.id) }
        }
        deploymentIds = index
    }

    /// Active (non-terminal) instances of `app`, oldest first unless `sorted` is false.
    func activeInstances(of app: PathId, sorted: Bool = true) -> [Instance] {
        guard let ids = state.instanceIdsByApp[app] else { return [] }
        var result: [Instance] = []
        result.reserveCapacity(ids.count)
        for id in ids {
            if let instance = state.instances[id], instance.isActive { result.append(instance) }
        }
        guard sorted else { return result }
        return result.sorted { ($0.stagedAt, $0.id) < ($1.stagedAt, $1.id) }
    }

    /// Appends the AppInfo object of `app`. `deploymentIds` overrides the deployments listed
    /// (used right after a create, when the new deployment must be shown).
    mutating func write(_ app: AppDefinition, embed: AppEmbed, deploymentIds override: [String]? = nil,
                        into w: inout JSONWriter) {
        // The cached definition without its closing brace; the AppInfo members follow.
        let cached = json.entry(for: app)
        w.raw(cached.json.dropLast())
        // Counts come from the per-app counters: O(1) per app, not O(its instances).
        let needsInstances = !embed.isDisjoint(with: [.tasks, .taskStats])
        let instances = needsInstances ? activeInstances(of: app.id, sorted: embed.contains(.tasks)) : []
        if embed.contains(.counts) {
            let counts = state.taskCounts[app.id] ?? TaskCounts()
            w.key("tasksStaged"); w.int(counts.staged)
            w.key("tasksRunning"); w.int(counts.running)
            w.key("tasksHealthy"); w.int(counts.healthy)
            w.key("tasksUnhealthy"); w.int(counts.unhealthy)
        }
        if embed.contains(.deployments) {
            w.key("deployments"); w.idObjects(override ?? deploymentIds[app.id] ?? [])
        }
        if embed.contains(.readiness) {
            // Marathon lists the readiness results its running deployments hold for the app.
            w.key("readinessCheckResults")
            w.beginArray()
            let deployments = (deploymentIds[app.id] ?? []).filter {
                state.deployments[$0]?.target[app.id].map { !$0.readinessChecks.isEmpty } ?? false
            }
            let all = needsInstances || deployments.isEmpty ? instances : activeInstances(of: app.id)
            for id in deployments {
                guard let target = state.deployments[id]?.target[app.id] else { continue }
                DeploymentRenderer.writeReadinessElements(of: all, target: target, into: &w)
            }
            w.endArray()
        }
        if embed.contains(.tasks) {
            w.key("tasks")
            w.beginArray()
            for instance in instances { TaskRenderer.write(instance, role: app.role, into: &w) }
            w.endArray()
        }
        if embed.contains(.lastTaskFailure), let failure = state.lastTaskFailures[app.id] {
            w.key("lastTaskFailure")
            Self.write(failure, into: &w)
        }
        if embed.contains(.taskStats) {
            w.key("tasksStats")
            TaskStatsRenderer.write(instances, app: app, now: Timestamp.now(), into: &w)
        }
        // Wharf: rejected route and service-name labels, and service ports the router cannot listen
        // on; only present when there are some.
        let routeErrors = state.routeErrors(of: app, labelErrors: cached.labelErrors)
        if !routeErrors.isEmpty {
            w.key("routeErrors"); w.stringArray(routeErrors)
        }
        w.endObject()
    }

    /// `{appId, host, message, state, taskId, timestamp, version, slaveId}`.
    static func write(_ failure: TaskFailure, into w: inout JSONWriter) {
        w.beginObject()
        w.key("appId"); w.string(failure.appId.description)
        w.key("host"); w.string(failure.host)
        w.key("message"); w.string(failure.message)
        w.key("state"); w.string(failure.state.rawValue)
        w.key("taskId"); w.string(failure.taskId)
        w.key("timestamp"); w.timestamp(failure.timestamp)
        w.key("version"); w.timestamp(failure.version)
        w.key("slaveId"); w.string(failure.slaveId)
        w.endObject()
    }
}

/// Marathon's task counts of an app (`TaskCounts.scala`): staged (staging or starting), running,
/// healthy and unhealthy (only instances whose health is known count as either).
struct TaskCounts: Hashable, Sendable {
    var staged = 0
    var running = 0
    var healthy = 0
    var unhealthy = 0

    init() {}

    init(_ instances: [Instance]) {
        for instance in instances { add(instance) }
    }

    /// Counts `instance` in (`by: 1`) or out again (`by: -1`); terminal instances do not count.
    mutating func add(_ instance: Instance, by step: Int = 1) {
        guard instance.isActive else { return }
        switch instance.state {
        case .staging, .starting: staged += step
        case .running: running += step
        default: break
        }
        switch instance.healthy {
        case true?: if instance.state == .running { healthy += step }
        case false?: unhealthy += step
        case nil: break
        }
    }
}

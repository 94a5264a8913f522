import HashTreeCollections
import WharfModel

/// Writes Marathon's task JSON (`types/task.raml`, `raml/TaskConversion.scala`) for an instance,
/// with the keys Marathon 1.10 writes: `appId`, `healthCheckResults` (empty while the health is
/// unknown or the app has no checks), `host`, `id` (the task id), `ipAddresses`, `ports`,
/// `servicePorts`, `slaveId`, `state`, `stagedAt`, `startedAt` (once running), `version`,
/// `localVolumes` (always empty: Wharf makes no reservations) and `role`. Unset values are
/// omitted, never written as null; `region` and `zone` are omitted as for agents without a
/// fault domain.
///
/// `servicePorts` carries the app's service ports only in `/v2/tasks`; Marathon writes an empty
/// list in app-scoped lists (`/v2/apps/{id}/tasks`, embedded tasks) and kill responses.
enum TaskRenderer {
    /// Appends the task object of `instance`, launched with `role`.
    static func write(_ instance: Instance, servicePorts: [Int] = [], role: String, into w: inout JSONWriter) {
        w.beginObject()
        w.key("appId"); w.string(instance.appId.description)
        w.key("healthCheckResults")
        w.beginArray()
        if let health = instance.health {
            for result in health.results.compactMap({ $0 }) { write(result, instanceId: instance.id, into: &w) }
        } else if let healthy = instance.healthy {
            write(HealthCheckResult(alive: healthy, consecutiveFailures: healthy ? 0 : 1), instanceId: instance.id, into: &w)
        }
        w.endArray()
        w.key("host"); w.string(instance.host)
        w.key("id"); w.string(instance.taskId)
        w.key("ipAddresses")
        w.beginArray()
        w.beginObject()
        w.key("ipAddress"); w.string(instance.host)
        w.key("protocol"); w.string(instance.host.contains(":") ? "IPv6" : "IPv4")
        w.endObject()
        w.endArray()
        w.key("ports"); w.intArray(instance.ports)
        w.key("servicePorts"); w.intArray(servicePorts)
        w.key("slaveId"); w.string(instance.agentId)
        w.key("state"); w.string(instance.state.rawValue)
        w.key("stagedAt"); w.timestamp(instance.stagedAt)
        if let startedAt = instance.startedAt {
            w.key("startedAt"); w.timestamp(startedAt)
        }
        w.key("version"); w.timestamp(instance.appVersion)
        w.key("localVolumes"); w.emptyArray()
        w.key("role"); w.string(role)
        w.endObject()
    }

    /// One `healthCheckResults` element; unset times and causes are omitted.
    private static func write(_ result: HealthCheckResult, instanceId: String, into w: inout JSONWriter) {
        w.beginObject()
        w.key("alive"); w.bool(result.alive)
        w.key("consecutiveFailures"); w.int(result.consecutiveFailures)
        if let at = result.firstSuccess { w.key("firstSuccess"); w.timestamp(at) }
        if let at = result.lastSuccess { w.key("lastSuccess"); w.timestamp(at) }
        if let at = result.lastFailure { w.key("lastFailure"); w.timestamp(at) }
        if let cause = result.lastFailureCause { w.key("lastFailureCause"); w.string(cause) }
        w.key("instanceId"); w.string(instanceId)
        w.endObject()
    }

    /// `{"tasks":[...]}` for `instances`; `servicePorts` is only for `/v2/tasks`.
    static func tasksDocument(_ instances: [Instance], roles: TaskRoles,
                              servicePorts: (Instance) -> [Int] = { _ in [] }) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + instances.count * 480)
        w.beginObject()
        w.key("tasks")
        w.beginArray()
        for instance in instances {
            write(instance, servicePorts: servicePorts(instance), role: roles.role(of: instance), into: &w)
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// `{"task":{...}}`.
    static func taskDocument(_ instance: Instance, roles: TaskRoles) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key("task")
        write(instance, role: roles.role(of: instance), into: &w)
        w.endObject()
        return w.bytes
    }
}

/// The role a task was launched with: its app's role (Wharf keeps no role per instance; an app's
/// role only changes with a new definition), `*` once the app is gone.
struct TaskRoles {
    let apps: TreeDictionary<PathId, AppDefinition>

    init(_ state: ClusterState) { apps = state.apps }

    /// The default role (`--mesos_role`), for tasks whose app is gone.
    static let defaultRole = "*"

    func role(of instance: Instance) -> String { apps[instance.appId]?.role ?? Self.defaultRole }
}

extension AppDefinition {
    /// The app's service ports: `portDefinitions[].port` with host networking, otherwise
    /// `container.portMappings[].servicePort` (what `/v2/tasks` shows as `servicePorts`).
    var servicePorts: [Int] {
        if usesHostNetwork { return portDefinitions.map(\.port) }
        return (container?.portMappings ?? []).map(\.servicePort)
    }
}

import WharfModel

/// Writes Marathon's task JSON (`types/task.raml`, `raml/TaskConversion.scala`) for an instance.
///
/// Only keys marathon-python's `MarathonTask` accepts are written, and unset values are omitted
/// rather than written as null: `id` (the task id), `appId`, `host`, `slaveId`, `state`, `ports`,
/// `servicePorts` (on `/v2/tasks`), `ipAddresses`, `stagedAt`, `startedAt` (once running),
/// `version`, and `healthCheckResults` when the instance's health is known.
enum TaskRenderer {
    /// Appends the task object of `instance`. `servicePorts` is written when non-nil.
    static func write(_ instance: Instance, servicePorts: [Int]?, into w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(instance.taskId)
        w.key("appId"); w.string(instance.appId.description)
        w.key("host"); w.string(instance.host)
        w.key("slaveId"); w.string(instance.agentId)
        w.key("state"); w.string(instance.state.rawValue)
        w.key("ports"); w.intArray(instance.ports)
        if let servicePorts {
            w.key("servicePorts"); w.intArray(servicePorts)
        }
        w.key("ipAddresses")
        w.beginArray()
        w.beginObject()
        w.key("ipAddress"); w.string(instance.host)
        w.key("protocol"); w.string(instance.host.contains(":") ? "IPv6" : "IPv4")
        w.endObject()
        w.endArray()
        w.key("stagedAt"); w.timestamp(instance.stagedAt)
        if let startedAt = instance.startedAt {
            w.key("startedAt"); w.timestamp(startedAt)
        }
        w.key("version"); w.timestamp(instance.appVersion)
        if let health = instance.health {
            let results = health.results.compactMap { $0 }
            if !results.isEmpty {
                w.key("healthCheckResults")
                w.beginArray()
                for result in results { write(result, instanceId: instance.id, into: &w) }
                w.endArray()
            }
        } else if let healthy = instance.healthy {
            w.key("healthCheckResults")
            w.beginArray()
            write(HealthCheckResult(alive: healthy, consecutiveFailures: healthy ? 0 : 1), instanceId: instance.id, into: &w)
            w.endArray()
        }
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

    /// `{"tasks":[...]}` for `instances`.
    static func tasksDocument(_ instances: [Instance], servicePorts: (Instance) -> [Int]?) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + instances.count * 420)
        w.beginObject()
        w.key("tasks")
        w.beginArray()
        for instance in instances {
            write(instance, servicePorts: servicePorts(instance), into: &w)
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// `{"task":{...}}`.
    static func taskDocument(_ instance: Instance) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key("task")
        write(instance, servicePorts: nil, into: &w)
        w.endObject()
        return w.bytes
    }
}

extension AppDefinition {
    /// The app's service ports: `portDefinitions[].port` with host networking, otherwise
    /// `container.portMappings[].servicePort` (what `/v2/tasks` shows as `servicePorts`).
    var servicePorts: [Int] {
        if usesHostNetwork { return portDefinitions.map(\.port) }
        return (container?.portMappings ?? []).map(\.servicePort)
    }
}

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
        w.nextKey("appId"); w.string(instance.appId.description)
        w.nextKey("host"); w.string(instance.host)
        w.nextKey("slaveId"); w.string(instance.agentId)
        w.nextKey("state"); w.string(instance.state.rawValue)
        w.nextKey("ports"); w.ints(instance.ports)
        if let servicePorts {
            w.nextKey("servicePorts"); w.ints(servicePorts)
        }
        w.nextKey("ipAddresses")
        w.beginArray()
        w.beginObject()
        w.key("ipAddress"); w.string(instance.host)
        w.nextKey("protocol")
        if instance.host.contains(":") { w.raw("\"IPv6\"") } else { w.raw("\"IPv4\"") }
        w.endObject()
        w.endArray()
        w.nextKey("stagedAt"); w.timestamp(instance.stagedAt)
        if let startedAt = instance.startedAt {
            w.nextKey("startedAt"); w.timestamp(startedAt)
        }
        w.nextKey("version"); w.timestamp(instance.appVersion)
        if let healthy = instance.healthy {
            w.nextKey("healthCheckResults")
            w.beginArray()
            w.beginObject()
            w.key("alive"); w.bool(healthy)
            w.nextKey("consecutiveFailures"); w.int(healthy ? 0 : 1)
            if healthy {
                w.nextKey("lastSuccess"); w.timestamp(instance.stateSince)
            } else {
                w.nextKey("lastFailure"); w.timestamp(instance.stateSince)
                if let message = instance.message {
                    w.nextKey("lastFailureCause"); w.string(message)
                }
            }
            w.nextKey("instanceId"); w.string(instance.id)
            w.endObject()
            w.endArray()
        }
        w.endObject()
    }

    /// `{"tasks":[...]}` for `instances`.
    static func tasksDocument(_ instances: [Instance], servicePorts: (Instance) -> [Int]?) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + instances.count * 420)
        w.raw("{\"tasks\":[")
        for (index, instance) in instances.enumerated() {
            if index > 0 { w.comma() }
            write(instance, servicePorts: servicePorts(instance), into: &w)
        }
        w.raw("]}")
        return w.bytes
    }

    /// `{"task":{...}}`.
    static func taskDocument(_ instance: Instance) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.raw("{\"task\":")
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

import Foundation

extension Instance {
    /// The instance's stored record: the JSON object `RecordSchema.encode` writes (the fields of
    /// its `Codable` form and `schemaVersion`), written directly. Instance records are written once
    /// per launch and again per status change, tens of thousands a second at scale, where
    /// `JSONEncoder` costs several times this. Read back with `RecordSchema.decode` as any record.
    /// Throws `EncodingError.invalidValue`, as `JSONEncoder` does, for resources that are not
    /// finite numbers (JSON cannot hold them).
    public func recordJSON() throws -> Data {
        for value in [resources.cpus, resources.mem, resources.disk] where !value.isFinite {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: [], debugDescription: "resources of instance \(id) are not finite numbers"))
        }
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key(literal: "id"); w.string(id)
        w.key(literal: "incarnation"); w.int(incarnation)
        w.key(literal: "appId"); w.pathId(appId)
        w.key(literal: "appVersion"); w.timestamp(appVersion)
        w.key(literal: "configVersion"); w.timestamp(configVersion)
        w.key(literal: "agentId"); w.string(agentId)
        w.key(literal: "host"); w.string(host)
        w.key(literal: "ports"); w.intArray(ports)
        w.key(literal: "resources")
        w.beginObject()
        w.key(literal: "cpus"); w.double(resources.cpus)
        w.key(literal: "mem"); w.double(resources.mem)
        w.key(literal: "disk"); w.double(resources.disk)
        w.endObject()
        w.key(literal: "state"); w.string(state.rawValue)
        w.key(literal: "goal"); w.string(goal.rawValue)
        w.key(literal: "stagedAt"); w.timestamp(stagedAt)
        if let startedAt { w.key(literal: "startedAt"); w.timestamp(startedAt) }
        w.key(literal: "stateSince"); w.timestamp(stateSince)
        if let message { w.key(literal: "message"); w.string(message) }
        if let healthy { w.key(literal: "healthy"); w.bool(healthy) }
        if let health { w.key(literal: "health"); Self.write(health, into: &w) }
        w.key(literal: "schemaVersion"); w.int(RecordSchema.current)
        w.endObject()
        return w.data
    }

    private static func write(_ health: TaskHealth, into w: inout JSONWriter) {
        w.beginObject()
        w.key(literal: "results")
        w.beginArray()
        for result in health.results {
            guard let result else {
                w.null()
                continue
            }
            w.beginObject()
            w.key(literal: "alive"); w.bool(result.alive)
            w.key(literal: "consecutiveFailures"); w.int(result.consecutiveFailures)
            if let at = result.firstSuccess { w.key(literal: "firstSuccess"); w.timestamp(at) }
            if let at = result.lastSuccess { w.key(literal: "lastSuccess"); w.timestamp(at) }
            if let at = result.lastFailure { w.key(literal: "lastFailure"); w.timestamp(at) }
            if let cause = result.lastFailureCause { w.key(literal: "lastFailureCause"); w.string(cause) }
            w.endObject()
        }
        w.endArray()
        w.key(literal: "readiness")
        w.beginArray()
        for result in health.readiness {
            w.beginObject()
            w.key(literal: "name"); w.string(result.name)
            w.key(literal: "ready"); w.bool(result.ready)
            if let response = result.lastResponse {
                w.key(literal: "lastResponse")
                w.beginObject()
                w.key(literal: "status"); w.int(response.status)
                w.key(literal: "contentType"); w.string(response.contentType)
                w.key(literal: "body"); w.string(response.body)
                w.endObject()
            }
            w.endObject()
        }
        w.endArray()
        if let reason = health.killReason { w.key(literal: "killReason"); w.string(reason) }
        w.endObject()
    }
}

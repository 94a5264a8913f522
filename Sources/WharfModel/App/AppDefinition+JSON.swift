import Foundation

extension AppDefinition {
    /// The app as Marathon's GET returns it, as compact JSON with sorted keys. Same content as
    /// `JSONEncoder` + `encode(to:)`, several times faster.
    public func marathonJSON() -> Data {
        var writer = JSONWriter(capacity: 1024)
        writeJSON(to: &writer)
        return writer.data
    }

    /// Writes the app as one JSON object.
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        writeJSONFields(to: &w)
        w.endObject()
    }

    /// Writes the app's members (sorted by key) into an object the caller has opened, so that
    /// responses can add their own members (AppInfo's `tasksRunning`, `deployments`, ...).
    /// Empty `args`, `constraints`, `dependencies`, `env`, `fetch`, `healthChecks`,
    /// `readinessChecks` and `secrets` are left out, as Marathon's serializer does.
    public func writeJSONFields(to w: inout JSONWriter) {
        if let roles = acceptedResourceRoles, !roles.isEmpty {
            w.key(literal: "acceptedResourceRoles")
            w.stringArray(roles)
        }
        if let args, !args.isEmpty {
            w.key(literal: "args")
            w.stringArray(args)
        }
        if let autoRollback { w.key(literal: "autoRollback"); w.bool(autoRollback) }
        w.key(literal: "backoffFactor"); w.double(backoffFactor)
        w.key(literal: "backoffSeconds"); w.int(backoffSeconds)
        if let check { w.key(literal: "check"); check.write(to: &w) }
        if let cmd { w.key(literal: "cmd"); w.string(cmd) }
        if !constraints.isEmpty {
            w.key(literal: "constraints")
            w.beginArray()
            for constraint in constraints { constraint.write(to: &w) }
            w.endArray()
        }
        if let ct = outputContainer {
            w.key(literal: "container")
            ct.write(to: &w)
        }
        w.key(literal: "cpus"); w.double(cpus)
        if !dependencies.isEmpty {
            w.key(literal: "dependencies")
            w.beginArray()
            for dependency in dependencies { w.pathId(dependency) }
            w.endArray()
        }
        w.key(literal: "disk"); w.double(disk)
        if !env.isEmpty { writeEnv(to: &w) }
        w.key(literal: "executor"); w.string(executor)
        if let executorResources { w.key(literal: "executorResources"); executorResources.write(to: &w) }
        if !fetch.isEmpty {
            w.key(literal: "fetch")
            w.beginArray()
            for uri in fetch { uri.write(to: &w) }
            w.endArray()
        }
        w.key(literal: "gpus"); w.int(gpus)
        if !healthChecks.isEmpty {
            w.key(literal: "healthChecks")
            w.beginArray()
            for check in healthChecks { check.write(to: &w) }
            w.endArray()
        }
        w.key(literal: "id"); w.pathId(id)
        w.key(literal: "instances"); w.int(instances)
        w.key(literal: "killSelection"); w.string(killSelection.rawValue)
        w.key(literal: "labels"); w.stringMap(labels)
        w.key(literal: "maxLaunchDelaySeconds"); w.int(maxLaunchDelaySeconds)
        w.key(literal: "mem"); w.double(mem)
        w.key(literal: "networks")
        w.beginArray()
        for network in networks { network.write(to: &w) }
        w.endArray()
        if usesHostNetwork {
            w.key(literal: "portDefinitions")
            w.beginArray()
            for definition in portDefinitions { definition.write(to: &w) }
            w.endArray()
        }
        if let deadline = progressDeadlineSeconds { w.key(literal: "progressDeadlineSeconds"); w.int(deadline) }
        if !readinessChecks.isEmpty {
            w.key(literal: "readinessChecks")
            w.beginArray()
            for check in readinessChecks { check.write(to: &w) }
            w.endArray()
        }
        w.key(literal: "requirePorts"); w.bool(requirePorts)
        if isResident {
            w.key(literal: "residency")
            w.beginObject()
            w.key(literal: "relaunchEscalationTimeoutSeconds"); w.int(Residency().relaunchEscalationTimeoutSeconds)
            w.key(literal: "taskLostBehavior"); w.string(Residency().taskLostBehavior)
            w.endObject()
        }
        if let resourceLimits { w.key(literal: "resourceLimits"); resourceLimits.write(to: &w) }
        w.key(literal: "role"); w.string(role)
        if !secrets.isEmpty { writeSecrets(to: &w) }
        if let grace = taskKillGracePeriodSeconds { w.key(literal: "taskKillGracePeriodSeconds"); w.int(grace) }
        if let tty { w.key(literal: "tty"); w.bool(tty) }
        w.key(literal: "unreachableStrategy")
        switch unreachableStrategy {
        case .disabled: w.string("disabled")
        case .enabled(let inactive, let expunge):
            w.beginObject()
            w.key(literal: "expungeAfterSeconds"); w.int(expunge)
            w.key(literal: "inactiveAfterSeconds"); w.int(inactive)
            w.endObject()
        }
        w.key(literal: "upgradeStrategy")
        w.beginObject()
        w.key(literal: "maximumOverCapacity"); w.double(upgradeStrategy.maximumOverCapacity)
        w.key(literal: "minimumHealthCapacity"); w.double(upgradeStrategy.minimumHealthCapacity)
        w.endObject()
        if let user { w.key(literal: "user"); w.string(user) }
        if let version { w.key(literal: "version"); w.timestamp(version) }
        if let versionInfo {
            w.key(literal: "versionInfo")
            w.beginObject()
            w.key(literal: "lastConfigChangeAt"); w.timestamp(versionInfo.lastConfigChangeAt)
            w.key(literal: "lastScalingAt"); w.timestamp(versionInfo.lastScalingAt)
            w.endObject()
        }
    }

    private func writeEnv(to w: inout JSONWriter) {
        w.key(literal: "env")
        w.beginObject()
        for name in env.keys.sorted() {
            w.key(name)
            switch env[name]! {
            case .value(let text): w.string(text)
            case .secret(let secret): w.beginObject(); w.key(literal: "secret"); w.string(secret); w.endObject()
            }
        }
        w.endObject()
    }

    private func writeSecrets(to w: inout JSONWriter) {
        w.key(literal: "secrets")
        w.beginObject()
        for name in secrets.keys.sorted() {
            w.key(name)
            w.beginObject(); w.key(literal: "source"); w.string(secrets[name]!.source); w.endObject()
        }
        w.endObject()
    }
}

extension Constraint {
    func write(to w: inout JSONWriter) {
        w.beginArray()
        w.string(field)
        w.string(op.rawValue)
        if let value { w.string(value) }
        w.endArray()
    }
}

extension FetchUri {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key(literal: "cache"); w.bool(cache)
        if let destPath { w.key(literal: "destPath"); w.string(destPath) }
        w.key(literal: "executable"); w.bool(executable)
        w.key(literal: "extract"); w.bool(extract)
        w.key(literal: "uri"); w.string(uri)
        w.endObject()
    }
}

extension Network {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        if let labels { w.key(literal: "labels"); w.stringMap(labels) }
        w.key(literal: "mode"); w.string(mode.rawValue)
        if let name { w.key(literal: "name"); w.string(name) }
        w.endObject()
    }
}

extension PortDefinition {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        if let labels { w.key(literal: "labels"); w.stringMap(labels) }
        if let name { w.key(literal: "name"); w.string(name) }
        w.key(literal: "port"); w.int(port)
        w.key(literal: "protocol"); w.string(`protocol`)
        w.endObject()
    }
}

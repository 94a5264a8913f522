import Hummingbird
import WharfModel

/// An app's tasks and stored versions.
extension AppsRoutes {
    /// `GET /v2/apps/{id}/tasks`.
    static func tasks(_ call: MarathonCall) async throws -> Response {
        let id = call.pathId()
        let state = await call.controlPlane.currentState()
        // A quarantined app's tasks are listed even when its definition cannot be read.
        guard state.apps[id] != nil || state.quarantine.apps[id] != nil else { throw MarathonHTTPError.unknownApp(id) }
        let renderer = AppInfoRenderer(state: state, cache: call.api.appJSON)
        return MarathonResponse.json(TaskRenderer.tasksDocument(renderer.activeInstances(of: id), roles: TaskRoles(state)))
    }

    /// `GET /v2/apps/{group}/*/tasks`: tasks of every app below the group.
    static func groupTasks(_ call: MarathonCall) async throws -> Response {
        let group = call.pathId("group")
        let state = await call.controlPlane.currentState()
        let tree = GroupTree(state: state)
        guard tree.contains(group) else { throw MarathonHTTPError.unknownGroup(group) }
        let renderer = AppInfoRenderer(state: state, cache: call.api.appJSON)
        let instances = tree.appsBelow(group).flatMap { renderer.activeInstances(of: $0) }
        return MarathonResponse.json(TaskRenderer.tasksDocument(instances, roles: TaskRoles(state)))
    }

    /// `DELETE /v2/apps/{id}/tasks?host=&scale=&wipe=&force=`: kills the app's tasks (on `host`
    /// when given and not `*`).
    static func killTasks(_ call: MarathonCall) async throws -> Response {
        let id = call.pathId()
        let (scale, force) = try TasksRoutes.killFlags(call)
        let state = await call.controlPlane.currentState()
        guard state.apps[id] != nil else { throw MarathonHTTPError.unknownApp(id) }
        let host = call.query["host"].flatMap { $0.isEmpty || $0 == "*" ? nil : $0 }
        let renderer = AppInfoRenderer(state: state, cache: call.api.appJSON)
        let victims = renderer.activeInstances(of: id).filter { instance in
            instance.goal == .running && (host.map { instance.host == $0 } ?? true)
        }
        return try await TasksRoutes.killResponse(call, ids: victims.map(\.id), scale: scale, force: force)
    }

    /// `DELETE /v2/apps/{id}/tasks/{taskId}`: `{"task": Task}`, or a DeploymentResult with `scale`.
    static func killTask(_ call: MarathonCall) async throws -> Response {
        let id = call.pathId()
        let taskId = call.parameter("taskId")
        let (scale, force) = try TasksRoutes.killFlags(call)
        let state = await call.controlPlane.currentState()
        guard state.apps[id] != nil else { throw MarathonHTTPError.unknownApp(id) }
        guard let instance = state.instances[Instance.instanceId(fromTaskId: taskId)] ?? state.instances[taskId],
              instance.appId == id, instance.isActive
        else {
            throw MarathonHTTPError.notFound("Task '\(taskId)' does not exist")
        }
        switch try await call.controlPlane.killInstances([instance.id], scale: scale, force: force) {
        case let .killed(killed):
            return MarathonResponse.json(TaskRenderer.taskDocument(killed.first ?? instance, roles: TaskRoles(state)))
        case let .deployment(result):
            return MarathonResponse.deployment(result)
        }
    }

    /// `GET /v2/apps/{id}/versions`: `{"versions": [ts, ...]}`, newest first.
    static func versions(_ call: MarathonCall) async throws -> Response {
        let id = call.pathId()
        guard let versions = await call.controlPlane.appVersions(id) else { throw MarathonHTTPError.unknownApp(id) }
        var w = JSONWriter(capacity: 64 + versions.count * 28)
        w.beginObject()
        w.key("versions")
        w.stringArray(versions.map(\.iso8601))
        w.endObject()
        return MarathonResponse.json(w.bytes)
    }

    /// `GET /v2/apps/{id}/versions/{version}`: the plain app definition of that version.
    static func version(_ call: MarathonCall) async throws -> Response {
        let id = call.pathId()
        let raw = call.parameter("version")
        let missing = MarathonHTTPError.notFound("App '\(id)' does not exist in version \(raw)")
        guard let version = Timestamp(iso8601: raw) else { throw missing }
        guard let app = try await call.controlPlane.appDefinition(id, version: version) else { throw missing }
        return MarathonResponse.json(AppJSONCache.encode(app))
    }
}

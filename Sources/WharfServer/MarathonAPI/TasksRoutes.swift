import Hummingbird
import WharfModel

/// `/v2/tasks` (`TasksResource.scala`): every task, and killing tasks of several apps at once.
enum TasksRoutes {
    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v2/tasks", tag: "tasks", summary: "List the tasks of all apps.",
                      parameters: [.init("status", .string, "Only tasks in these states (other values are ignored).",
                                         repeated: true, allowed: TaskState.allCases.map { $0.rawValue.dropFirst(5).lowercased() })],
                      responses: [(200, "{\"tasks\":[Task]}")], handler: list),
        MarathonRoute(.post, "/v2/tasks/delete", tag: "tasks", summary: "Kill the given tasks.",
                      parameters: [.init("scale", .boolean, "Lower the apps' instance counts instead of replacing the tasks."),
                                   .init("wipe", .boolean, "Forget the tasks (not with scale)."), .force],
                      body: "{\"ids\":[\"taskId\", ...]}", bodySchema: OpenAPISchemas.ref("TaskKillRequest"),
                      responses: [(200, "{\"tasks\":[Task]} or, with scale=true, a DeploymentResult"),
                                  (400, "Invalid task id, or scale and wipe together"), (409, "Apps locked by a deployment")],
                      handler: kill),
    ]

    /// `GET /v2/tasks?status=running`: active tasks with the app's `servicePorts`.
    static func list(_ call: MarathonCall) async throws -> Response {
        let state = await call.controlPlane.currentState()
        let wanted = Set(call.query.values("status").compactMap(stateFilter))
        var instances: [Instance] = []
        instances.reserveCapacity(state.instances.count)
        for appId in state.instanceIdsByApp.keys.sorted() {
            guard let ids = state.instanceIdsByApp[appId] else { continue }
            var ofApp: [Instance] = []
            for id in ids {
                guard let instance = state.instances[id], instance.isActive else { continue }
                if wanted.isEmpty || wanted.contains(instance.state) { ofApp.append(instance) }
            }
            instances += ofApp.sorted { ($0.stagedAt, $0.id) < ($1.stagedAt, $1.id) }
        }
        var servicePorts: [PathId: [Int]] = [:]
        for (id, app) in state.apps { servicePorts[id] = app.servicePorts }
        return MarathonResponse.json(TaskRenderer.tasksDocument(instances, roles: TaskRoles(state)) { servicePorts[$0.appId] ?? [] })
    }

    /// Marathon's `status` values (`running`, `staging`, ...) as task states.
    static func stateFilter(_ raw: String) -> TaskState? {
        let name = raw.lowercased()
        guard !name.isEmpty else { return nil }
        return TaskState(rawValue: "TASK_" + name.uppercased())
    }

    private struct KillBody: Decodable {
        var ids: [String]
    }

    /// `POST /v2/tasks/delete`: malformed ids are 400, unknown well-formed ones are skipped.
    static func kill(_ call: MarathonCall) async throws -> Response {
        let (scale, force) = try killFlags(call)
        let body = try await call.decodeBody(KillBody.self)
        for id in body.ids where Instance.appId(fromInstanceOrTaskId: id) == nil {
            throw MarathonHTTPError.badRequest(
                "Invalid task id '\(id)'. [Task ids look like <app>.instance-<uuid>._app.<n> (legacy: <app>.marathon-<uuid>)]")
        }
        return try await killResponse(call, ids: body.ids, scale: scale, force: force)
    }

    /// The `scale` and `force` flags of a kill; `scale` with `wipe` is a 400, as in Marathon.
    static func killFlags(_ call: MarathonCall) throws -> (scale: Bool, force: Bool) {
        let scale = call.query.bool("scale", default: false)
        if scale && call.query.bool("wipe", default: false) {
            throw MarathonHTTPError.badRequest("You cannot use scale and wipe at the same time.")
        }
        return (scale, call.query.bool("force", default: false))
    }

    /// Kills `ids` and answers `{"tasks":[...]}`, or a DeploymentResult with `scale`.
    static func killResponse(_ call: MarathonCall, ids: [String], scale: Bool, force: Bool) async throws -> Response {
        let roles = TaskRoles(await call.controlPlane.currentState())
        switch try await call.controlPlane.killInstances(ids, scale: scale, force: force) {
        case let .killed(instances):
            return MarathonResponse.json(TaskRenderer.tasksDocument(instances, roles: roles))
        case let .deployment(result):
            return MarathonResponse.deployment(result)
        }
    }
}

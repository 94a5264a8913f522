import Hummingbird
import WharfModel

/// `/v2/apps` (`AppsResource.scala`, `AppTasksResource.scala`, `AppVersionsResource.scala`).
/// Writes are in `AppsRoutes+Write.swift`, tasks and versions in `AppsRoutes+Tasks.swift`.
enum AppsRoutes {
    static let tag = "apps"
    static let partialUpdate = MarathonRoute.Parameter(
        "partialUpdate", .boolean, "Merge the body onto the existing app (default true); false replaces it.")
    static let deployment: [(Int, String)] = [
        (200, "DeploymentResult {deploymentId, version} and the Marathon-Deployment-Id header"),
        (404, "Unknown app"), (409, "Locked by a running deployment"), (422, "Invalid definition"),
    ]

    /// Most specific templates first: `{id}` spans slashes, so `/v2/apps/a/tasks` must reach the
    /// tasks route before `/v2/apps/{id}` could take it.
    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v2/apps", tag: tag, summary: "List apps.",
                      parameters: [.init("id", .string, "Only apps whose id contains this (case-insensitive)."),
                                   .init("cmd", .string, "Only apps whose cmd contains this (case-insensitive)."),
                                   .init("label", .string, "Label selector: k, k==v, k!=v, k in (a,b), k notin (a,b); comma = and.",
                                         constraints: ["pattern": .string(OpenAPISchemas.labelSelectorPattern)]),
                                   .embed],
                      responses: [(200, "{\"apps\":[AppInfo]}"), (422, "Malformed label selector")], handler: list),
        MarathonRoute(.post, "/v2/apps", tag: tag, summary: "Create an app and deploy it.", parameters: [.force],
                      body: "App definition", bodySchema: OpenAPISchemas.ref("AppDefinition"),
                      responses: [(201, "AppInfo; Location and Marathon-Deployment-Id headers"), (400, "Malformed JSON"),
                                  (409, "App exists or is locked"), (422, "Invalid definition")],
                      handler: create),
        MarathonRoute(.put, "/v2/apps", tag: tag, summary: "Create or update several apps in one deployment.",
                      parameters: [.force, partialUpdate], body: "[App definition], each with id",
                      bodySchema: OpenAPISchemas.array(OpenAPISchemas.ref("AppDefinition")),
                      responses: deployment, handler: updateMany),
        MarathonRoute(.patch, "/v2/apps", tag: tag, summary: "Partially update several existing apps in one deployment.",
                      parameters: [.force], body: "[partial App definition], each with id",
                      bodySchema: OpenAPISchemas.array(OpenAPISchemas.ref("AppPatchWithId")),
                      responses: deployment, handler: patchMany),
        MarathonRoute(.get, "/v2/apps/{group}/*/tasks", tag: tag, summary: "Tasks of every app in a group.",
                      responses: [(200, "{\"tasks\":[Task]}"), (404, "Unknown group")], handler: groupTasks),
        MarathonRoute(.get, "/v2/apps/{id}/tasks", tag: tag, summary: "Tasks of an app.",
                      responses: [(200, "{\"tasks\":[Task]}"), (404, "Unknown app")], handler: tasks),
        MarathonRoute(.delete, "/v2/apps/{id}/tasks/{taskId}", tag: tag, summary: "Kill one task of an app.",
                      parameters: [.init("scale", .boolean, "Lower the instance count instead of replacing the task."),
                                   .init("wipe", .boolean, "Forget the task (not with scale)."), .force],
                      responses: [(200, "{\"task\":Task} or, with scale=true, a DeploymentResult"),
                                  (404, "Unknown app or task")],
                      handler: killTask),
        MarathonRoute(.delete, "/v2/apps/{id}/tasks", tag: tag, summary: "Kill tasks of an app.",
                      parameters: [.init("host", .string, "Only tasks on this host (* = all)."),
                                   .init("scale", .boolean, "Lower the instance count instead of replacing the tasks."),
                                   .init("wipe", .boolean, "Forget the tasks (not with scale)."), .force],
                      responses: [(200, "{\"tasks\":[Task]} or, with scale=true, a DeploymentResult"),
                                  (400, "scale and wipe together"), (404, "Unknown app")],
                      handler: killTasks),
        MarathonRoute(.get, "/v2/apps/{id}/versions/{version}", tag: tag, summary: "One stored version of an app.",
                      responses: [(200, "App definition"), (404, "Unknown app or version")], handler: version),
        MarathonRoute(.get, "/v2/apps/{id}/versions", tag: tag, summary: "Stored versions of an app, newest first.",
                      responses: [(200, "{\"versions\":[timestamp]}"), (404, "Unknown app")], handler: versions),
        MarathonRoute(.post, "/v2/apps/{id}/restart", tag: tag, summary: "Replace every task by a rolling restart.",
                      parameters: [.force], responses: deployment, handler: restart),
        MarathonRoute(.get, "/v2/apps/{group}/*", tag: tag, summary: "Every app in a group.", parameters: [.embed],
                      responses: [(200, "{\"*\":[AppInfo]}"), (404, "Unknown group")], handler: groupApps),
        MarathonRoute(.get, "/v2/apps/{id}", tag: tag, summary: "One app with its tasks, counts and deployments.",
                      parameters: [.embed], responses: [(200, "{\"app\":AppInfo}"), (404, "Unknown app"),
                                                        (503, "The app's stored definition cannot be read (quarantined)")],
                      handler: show),
        MarathonRoute(.put, "/v2/apps/{id}", tag: tag, summary: "Update an app, or create it (201).",
                      parameters: [.force, partialUpdate], body: "App definition, partial App, or {\"version\": ts} to roll back",
                      bodySchema: OpenAPISchemas.ref("AppUpdate"),
                      responses: [(201, "Created: DeploymentResult and Location")] + deployment, handler: update),
        MarathonRoute(.patch, "/v2/apps/{id}", tag: tag, summary: "Partially update an existing app.",
                      parameters: [.force], body: "Partial App definition", bodySchema: OpenAPISchemas.ref("AppPatch"),
                      responses: deployment, handler: patch),
        MarathonRoute(.delete, "/v2/apps/{id}", tag: tag, summary: "Destroy an app and its tasks.",
                      parameters: [.init("force", .boolean, "Cancel conflicting deployments (default true).")],
                      responses: deployment, handler: destroy),
    ]

    /// `GET /v2/apps`: filtered by `id`, `cmd` and `label`, sorted by id.
    static func list(_ call: MarathonCall) async throws -> Response {
        let filter = try AppFilter(query: call.query)
        let embed = AppEmbed(values: call.query.values("embed")).union(.listDefault)
        let state = await call.controlPlane.currentState()
        // What these embeds show changes only with `appsRevision` (tasks and their stats are
        // rendered every time: stats depend on the time).
        let cacheKey = embed.isSubset(of: [.counts, .deployments, .lastTaskFailure, .readiness])
            ? call.request.uri.query ?? "" : nil
        if let cacheKey, let body = call.api.appList(query: cacheKey, revision: state.appsRevision) {
            return MarathonResponse.json(body)
        }
        var selected: [AppDefinition] = []
        var keys: [String] = []
        selected.reserveCapacity(state.apps.count)
        keys.reserveCapacity(state.apps.count)
        for app in state.apps.values {
            let key = app.id.description
            guard filter.matches(app, idText: key) else { continue }
            selected.append(app)
            keys.append(key)
        }
        // The ids are sorted, not the definitions: moving 10,000 large values around cost more than
        // writing them.
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        var renderer = call.api.appRenderer(state)
        var w = JSONWriter(capacity: 256 + selected.count * 2048)
        w.beginObject()
        w.key("apps")
        w.beginArray()
        for index in order { renderer.write(selected[index], embed: embed, into: &w) }
        w.endArray()
        w.endObject()
        call.api.finish(renderer)
        let body = ByteBuffer(bytes: w.bytes)
        if let cacheKey { call.api.keepAppList(query: cacheKey, revision: state.appsRevision, body: body) }
        return MarathonResponse.json(body)
    }

    /// `GET /v2/apps/{id}`: `{"app": AppInfo}` with tasks, counts, deployments and last failure.
    static func show(_ call: MarathonCall) async throws -> Response {
        let id = call.pathId()
        let state = await call.controlPlane.currentState()
        guard let app = state.apps[id] else { throw missingApp(id, in: state) }
        let embed = AppEmbed(values: call.query.values("embed")).union(.singleDefault)
        var renderer = call.api.appRenderer(state)
        var w = JSONWriter(capacity: 4096)
        w.beginObject()
        w.key("app")
        renderer.write(app, embed: embed, into: &w)
        w.endObject()
        call.api.finish(renderer)
        return MarathonResponse.json(w.bytes)
    }

    /// Why `id` has no definition: 404 when the app does not exist, 503 with the explanation when it
    /// is quarantined because its stored definition cannot be read.
    static func missingApp(_ id: PathId, in state: ClusterState) -> MarathonHTTPError {
        guard let explanation = state.quarantine.explanation(for: id) else { return .unknownApp(id) }
        return MarathonHTTPError(status: 503, message: explanation)
    }

    /// `GET /v2/apps/{group}/*`: `{"*": [AppInfo]}` for every app below the group, with what
    /// `GET /v2/apps/{id}` embeds (Marathon resolves the embeds before telling the two apart).
    static func groupApps(_ call: MarathonCall) async throws -> Response {
        let group = call.pathId("group")
        let state = await call.controlPlane.currentState()
        let tree = GroupTree(state: state)
        guard tree.contains(group) else { throw MarathonHTTPError.unknownGroup(group) }
        let embed = AppEmbed(values: call.query.values("embed")).union(.singleDefault)
        var renderer = call.api.appRenderer(state)
        var w = JSONWriter(capacity: 4096)
        w.beginObject()
        w.key("*")
        w.beginArray()
        for id in tree.appsBelow(group) {
            if let app = state.apps[id] { renderer.write(app, embed: embed, into: &w) }
        }
        w.endArray()
        w.endObject()
        call.api.finish(renderer)
        return MarathonResponse.json(w.bytes)
    }
}

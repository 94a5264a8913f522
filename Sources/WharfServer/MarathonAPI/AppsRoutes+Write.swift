import Foundation
import HTTPTypes
import Hummingbird
import WharfModel

/// Creating, updating, restarting and destroying apps.
extension AppsRoutes {
    /// `POST /v2/apps`: 201 with the AppInfo (counts 0, `deployments:[{id}]`), `Location` and
    /// `Marathon-Deployment-Id`; 409 when the app exists.
    static func create(_ call: MarathonCall) async throws -> Response {
        let force = call.query.bool("force", default: false)
        var app = try AppDefinition.decodeValidated(json: try await call.jsonBody())
        app.version = nil
        app.versionInfo = nil
        var request = DeployRequest(apps: [app.id: app], force: force)
        request.mustNotExist = [app.id]
        request.liftsQuarantine = force
        let result = try await call.controlPlane.deploy(request)
        let stored = result.apps[app.id] ?? app
        publishPost(call, stored)

        // A new app has no tasks yet: render from an empty state so the counts are 0.
        var renderer = AppInfoRenderer(state: ClusterState(), cache: call.api.appJSON)
        var w = JSONWriter(capacity: 2048)
        renderer.write(stored, embed: [.counts, .deployments], deploymentIds: [result.deploymentId], into: &w)
        var headers = HTTPFields()
        headers[.location] = call.location("/v2/apps\(stored.id)")
        headers[MarathonResponse.deploymentIdHeader] = result.deploymentId
        return MarathonResponse.json(w.bytes, status: 201, headers: headers)
    }

    /// `PUT /v2/apps/{id}`: partial update by default, full replacement with
    /// `partialUpdate=false`, rollback with `{"version": ts}`, creation (201) when the app is new.
    static func update(_ call: MarathonCall) async throws -> Response {
        try await updateOne(call, allowCreate: true, partial: call.query.bool("partialUpdate", default: true))
    }

    /// `PATCH /v2/apps/{id}`: partial update of an existing app (404 otherwise).
    static func patch(_ call: MarathonCall) async throws -> Response {
        try await updateOne(call, allowCreate: false, partial: true)
    }

    private static func updateOne(_ call: MarathonCall, allowCreate: Bool, partial: Bool) async throws -> Response {
        let id = call.pathId()
        let force = call.query.bool("force", default: false)
        let body = try await call.jsonBody()
        let update = try AppUpdate.decode(json: body, relativeTo: id.parent)
        let state = await call.controlPlane.currentState()
        let existing = state.apps[id]

        let target: AppDefinition
        if let version = update.rollbackVersion {
            target = try await rollbackTarget(call, id: id, version: version)
        } else if let existing, partial {
            target = try update.applyValidated(to: existing)
        } else if existing == nil, !allowCreate {
            throw missingApp(id, in: state)
        } else {
            target = try fullDefinition(body, id: id)
        }
        // The update was computed from `existing`: it must still be current when it is applied.
        var request = DeployRequest(apps: [id: target], force: force)
        request.liftsQuarantine = force
        if let version = existing?.version { request.expectedVersions[id] = version } else { request.mustNotExist = [id] }
        let result = try await call.controlPlane.deploy(request)
        publishPost(call, result.apps[id] ?? target)
        guard existing == nil else { return MarathonResponse.deployment(result) }
        var headers = HTTPFields()
        headers[.location] = call.location("/v2/apps\(id)")
        return MarathonResponse.deployment(result, status: 201, headers: headers)
    }

    /// `PUT /v2/apps`: several apps in one deployment; existing ones are merged unless
    /// `partialUpdate=false`, new ones must be full definitions.
    static func updateMany(_ call: MarathonCall) async throws -> Response {
        try await updateList(call, allowCreate: true, partial: call.query.bool("partialUpdate", default: true))
    }

    /// `PATCH /v2/apps`: partial updates of existing apps only (404 for an unknown id).
    static func patchMany(_ call: MarathonCall) async throws -> Response {
        try await updateList(call, allowCreate: false, partial: true)
    }

    private static func updateList(_ call: MarathonCall, allowCreate: Bool, partial: Bool) async throws -> Response {
        let force = call.query.bool("force", default: false)
        let body = try await call.jsonBody()
        let updates = try AppUpdate.decodeList(json: body)
        let state = await call.controlPlane.currentState()
        var targets: [PathId: AppDefinition?] = [:]
        var failures: [ValidationFailure] = []
        let elements = try listElements(body)
        for (index, update) in updates.enumerated() {
            guard let id = update.id else { continue }
            let existing = state.apps[id]
            if existing == nil, !allowCreate { throw MarathonHTTPError.unknownApp(id) }
            do throws(MarathonInputError) {
                if let version = update.rollbackVersion {
                    targets[id] = try await rollbackTarget(call, id: id, version: version)
                } else if let existing, partial {
                    targets[id] = try update.applyValidated(to: existing)
                } else if index < elements.count {
                    targets[id] = try fullDefinition(elements[index], id: id)
                }
            } catch {
                failures += error.failures.map { $0.prefixed(with: "/(\(index))") }
                if error.failures.isEmpty { throw error }
            }
        }
        if !failures.isEmpty { throw MarathonInputError.invalidObject(ValidationFailure.merged(failures)) }
        var request = DeployRequest(apps: targets, force: force)
        request.liftsQuarantine = force
        for id in targets.keys {
            if let version = state.apps[id]?.version { request.expectedVersions[id] = version } else { request.mustNotExist.insert(id) }
        }
        let result = try await call.controlPlane.deploy(request)
        for (id, app) in result.apps.sorted(by: { $0.key < $1.key }) where targets[id] != nil {
            publishPost(call, app)
        }
        return MarathonResponse.deployment(result)
    }

    /// `DELETE /v2/apps/{id}` (`force` defaults to true, as in Marathon).
    static func destroy(_ call: MarathonCall) async throws -> Response {
        let id = call.pathId()
        let force = call.query.bool("force", default: true)
        let state = await call.controlPlane.currentState()
        guard state.apps[id] != nil || state.quarantine.apps[id] != nil else { throw MarathonHTTPError.unknownApp(id) }
        let removal: [PathId: AppDefinition?] = [id: Optional<AppDefinition>.none]
        var request = DeployRequest(apps: removal, force: force)
        request.liftsQuarantine = force
        return MarathonResponse.deployment(try await call.controlPlane.deploy(request))
    }

    /// `POST /v2/apps/{id}/restart`: a new version and a rolling restart even without changes.
    static func restart(_ call: MarathonCall) async throws -> Response {
        let id = call.pathId()
        let force = call.query.bool("force", default: false)
        let state = await call.controlPlane.currentState()
        guard state.apps[id] != nil else { throw missingApp(id, in: state) }
        return MarathonResponse.deployment(try await call.controlPlane.deploy(DeployRequest(restart: [id], force: force)))
    }

    // MARK: Helpers

    /// The stored definition of `id` at `version`, to deploy as a rollback.
    static func rollbackTarget(_ call: MarathonCall, id: PathId, version: Timestamp) async throws(MarathonInputError) -> AppDefinition {
        let stored: AppDefinition?
        do {
            stored = try await call.controlPlane.appDefinition(id, version: version)
        } catch {
            throw .message(status: 500, "\(error)")
        }
        guard var app = stored else {
            throw .message(status: 404, "App '\(id)' does not exist in version \(version)")
        }
        app.version = nil
        app.versionInfo = nil
        return app
    }

    /// A full definition from `json` (an object), its id taken from the URL as Marathon does.
    static func fullDefinition(_ json: Data, id: PathId) throws(MarathonInputError) -> AppDefinition {
        var object: [String: JSONValue] = [:]
        if case let .object(members)? = try? JSONDecoder().decode(JSONValue.self, from: json) { object = members }
        object["id"] = .string(id.description)
        let data = (try? JSONEncoder().encode(JSONValue.object(object))) ?? json
        var app = try AppDefinition.decodeValidated(json: data)
        app.id = id
        app.version = nil
        app.versionInfo = nil
        return app
    }

    /// The elements of a JSON array body, each re-encoded (for full definitions in `PUT /v2/apps`).
    private static func listElements(_ body: Data) throws -> [Data] {
        guard case let .array(elements)? = try? JSONDecoder().decode(JSONValue.self, from: body) else { return [] }
        return elements.map { (try? JSONEncoder().encode($0)) ?? Data("{}".utf8) }
    }

    /// `api_post_event` for an app created or changed through the API.
    static func publishPost(_ call: MarathonCall, _ app: AppDefinition) {
        call.controlPlane.events.publish(APIPostEvent(clientIp: call.clientIp, uri: call.uri, appDefinition: app))
    }
}

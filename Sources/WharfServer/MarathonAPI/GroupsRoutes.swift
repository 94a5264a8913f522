import Foundation
import Hummingbird
import WharfModel

/// `/v2/groups` (`GroupsResource.scala`): the group tree, and changes to groups of apps.
/// Changes are in `GroupsRoutes+Write.swift`.
enum GroupsRoutes {
    static let tag = "groups"
    static let groupEmbed = MarathonRoute.Parameter(
        "embed", .string, "group.groups, group.apps, group.pods (all three when none is given), and group.apps.<app embed>: "
            + "tasks, counts, deployments, readiness, lastTaskFailure, failures, taskStats. Other values are ignored.",
        repeated: true, allowed: ["group.groups", "group.apps", "group.pods"] + AppEmbed.values(prefixes: ["group.apps."]))
    static let dryRun = MarathonRoute.Parameter("dryRun", .boolean, "Only answer the steps the change would take.")
    static let writeResponses: [(Int, String)] = [
        (200, "DeploymentResult {deploymentId, version} and the Marathon-Deployment-Id header"),
        (404, "Unknown group or version"), (409, "Locked by a running deployment"), (422, "Invalid group"),
    ]
    static let createResponses: [(Int, String)] = [
        (201, "DeploymentResult; Location and Marathon-Deployment-Id headers"),
        (409, "The group exists or is locked"), (422, "Invalid group"),
    ]

    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v2/groups", tag: tag, summary: "The root group with everything in it.",
                      parameters: [groupEmbed], responses: [(200, "GroupInfo")], handler: show),
        MarathonRoute(.post, "/v2/groups", tag: tag, summary: "Create a group with its apps and subgroups.",
                      parameters: [.force], body: "GroupUpdate", bodySchema: OpenAPISchemas.ref("GroupCreate"), responses: createResponses, handler: create),
        MarathonRoute(.put, "/v2/groups", tag: tag, summary: "Change the root group (structure, scaleBy or version rollback).",
                      parameters: [.force, dryRun], body: "GroupUpdate", bodySchema: OpenAPISchemas.ref("GroupUpdate"),
                      responses: writeResponses, handler: update),
        MarathonRoute(.delete, "/v2/groups", tag: tag, summary: "Destroy every app and group.",
                      parameters: [.force], responses: writeResponses, handler: destroy),
        MarathonRoute(.get, "/v2/groups/{id}/versions", tag: tag, summary: "Versions of a group, newest first.",
                      responses: [(200, "[timestamp]"), (404, "Unknown group")], handler: versions),
        MarathonRoute(.get, "/v2/groups/{id}", tag: tag, summary: "One group with everything in it.",
                      parameters: [groupEmbed], responses: [(200, "GroupInfo"), (404, "Unknown group")], handler: show),
        MarathonRoute(.post, "/v2/groups/{id}", tag: tag, summary: "Create a group below the given one.",
                      parameters: [.force], body: "GroupUpdate", bodySchema: OpenAPISchemas.ref("GroupStructure"), responses: createResponses, handler: create),
        MarathonRoute(.put, "/v2/groups/{id}", tag: tag, summary: "Create or change a group (structure, scaleBy or version rollback).",
                      parameters: [.force, dryRun], body: "GroupUpdate", bodySchema: OpenAPISchemas.ref("GroupUpdate"),
                      responses: writeResponses, handler: update),
        MarathonRoute(.patch, "/v2/groups/{id}", tag: tag, summary: "Set enforceRole of a top-level group (no restart).",
                      body: "{\"enforceRole\": bool}", bodySchema: OpenAPISchemas.ref("GroupPartialUpdate"),
                      pathSchemas: ["id": OpenAPISchemas.string("A top-level group.", pattern: "^/?" + OpenAPISchemas.segment + "$")],
                      responses: [(200, "Changed (empty body)"), (404, "Unknown group"), (422, "Not a top-level group")],
                      handler: patch),
        MarathonRoute(.delete, "/v2/groups/{id}", tag: tag, summary: "Destroy a group and every app in it.",
                      parameters: [.force], responses: writeResponses, handler: destroy),
    ]

    /// The group id of the URL (root for `/v2/groups`).
    static func groupId(_ call: MarathonCall) -> PathId {
        call.parameters["id"].map { PathId($0, relativeTo: .root) } ?? .root
    }

    /// `GET /v2/groups[/{id}]`: GroupInfo with what `embed` asks for.
    static func show(_ call: MarathonCall) async throws -> Response {
        let id = groupId(call)
        let state = await call.controlPlane.currentState()
        var renderer = GroupRenderer(state: state, cache: call.api.appJSON, embed: GroupEmbed(values: call.query.values("embed")))
        guard let body = renderer.document(id) else { throw MarathonHTTPError.unknownGroup(id) }
        call.api.finish(renderer.apps)
        return MarathonResponse.json(body)
    }

    /// `GET /v2/groups/{id}/versions`: a bare array, newest first. Wharf keeps versions per app, so
    /// a group's versions are the times any app below it (or the group record) changed.
    static func versions(_ call: MarathonCall) async throws -> Response {
        let id = groupId(call)
        let versions = try await groupVersions(call, id)
        var w = JSONWriter(capacity: 64 + versions.count * 28)
        w.stringArray(versions.map(\.iso8601))
        return MarathonResponse.json(w.bytes)
    }

    static func groupVersions(_ call: MarathonCall, _ id: PathId) async throws -> [Timestamp] {
        let state = await call.controlPlane.currentState()
        let tree = GroupTree(state: state)
        guard tree.contains(id) else { throw MarathonHTTPError.unknownGroup(id) }
        var all: Set<Timestamp> = []
        if id.isRoot { all.insert(state.rootVersion) }
        if let record = state.groups[id] { all.insert(record.version) }
        for appId in tree.appsBelow(id) {
            for version in await call.controlPlane.appVersions(appId) ?? [] { all.insert(version) }
        }
        return all.sorted(by: >)
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import WharfModel
import WharfScheduler

/// Creating, changing and destroying groups.
extension GroupsRoutes {
    /// `POST /v2/groups[/{id}]`: 201 + Location + DeploymentResult; 409 when the group exists.
    static func create(_ call: MarathonCall) async throws -> Response {
        let base = groupId(call)
        let force = call.query.bool("force", default: false)
        let update = try GroupUpdate.decodeValidated(json: try await call.jsonBody(), relativeTo: base)
        let id = update.id ?? base
        let state = await call.controlPlane.currentState()
        let tree = GroupTree(state: state)
        if tree.contains(id) || state.apps[id] != nil {
            throw MarathonHTTPError.conflict("Group \(id) is already created. Use PUT to change this group.")
        }
        var change = GroupChange(state: state, tree: tree)
        change.applyStructure(update, groupId: id)
        let result = try await call.controlPlane.deploy(DeployRequest(apps: change.apps, groups: change.groups, force: force))
        publishPosts(call, result: result, changed: change.apps)
        var headers = HTTPFields()
        headers[.location] = call.location("/v2/groups\(id)")
        return MarathonResponse.deployment(result, status: 201, headers: headers)
    }

    /// `PUT /v2/groups[/{id}]`: `{"version": ts}` rolls back, `{"scaleBy": f}` scales every app
    /// below, anything else is a structural update (`apps` / `groups` present replace the group's
    /// apps / subgroups; absent keep them). `dryRun=true` answers `{"steps": [...]}` only.
    static func update(_ call: MarathonCall) async throws -> Response {
        let base = groupId(call)
        let force = call.query.bool("force", default: false)
        let dryRun = call.query.bool("dryRun", default: false)
        let update = try GroupUpdate.decodeValidated(json: try await call.jsonBody(), relativeTo: base)
        let id = update.id ?? base
        let state = await call.controlPlane.currentState()
        let tree = GroupTree(state: state)
        var change = GroupChange(state: state, tree: tree)
        if let version = update.version {
            guard tree.contains(id) else { throw MarathonHTTPError.notFound("Group '\(id)' does not exist in version \(version)") }
            for appId in tree.appsBelow(id) {
                change.apps[appId] = try await appAt(call, appId, version: version)
            }
        } else if let factor = update.scaleBy {
            guard tree.contains(id) else { throw MarathonHTTPError.unknownGroup(id) }
            change.scale(below: id, by: factor)
        } else {
            change.applyStructure(update, groupId: id)
        }
        if dryRun {
            var w = JSONWriter(capacity: 1024)
            w.beginObject()
            w.key("steps")
            DeploymentRenderer.writeSteps(change.plannedSteps(), into: &w)
            w.endObject()
            return MarathonResponse.json(w.bytes)
        }
        let result = try await call.controlPlane.deploy(DeployRequest(apps: change.apps, groups: change.groups, force: force))
        publishPosts(call, result: result, changed: change.apps)
        return MarathonResponse.deployment(result)
    }

    private struct EnforceRoleBody: Decodable {
        var enforceRole: Bool?
    }

    /// `PATCH /v2/groups/{id}` with `{"enforceRole": bool}`: only top-level groups; 200, empty body.
    static func patch(_ call: MarathonCall) async throws -> Response {
        let id = groupId(call)
        let body = try await call.decodeBody(EnforceRoleBody.self)
        let state = await call.controlPlane.currentState()
        guard GroupTree(state: state).contains(id), !id.isRoot else { throw MarathonHTTPError.unknownGroup(id) }
        guard id.segments.count == 1 else {
            throw MarathonHTTPError(status: 422, message: "enforceRole can only be set on top-level groups; \(id) is not one")
        }
        let existing = state.groups[id]
        let record = GroupRecord(id: id, dependencies: existing?.dependencies ?? [], version: Timestamp.now(),
                                 enforceRole: body.enforceRole ?? existing?.enforceRole ?? false)
        _ = try await call.controlPlane.deploy(DeployRequest(groups: [id: record]))
        return MarathonResponse.empty(200)
    }

    /// `DELETE /v2/groups[/{id}]`: removes every app and group below (the root itself stays).
    static func destroy(_ call: MarathonCall) async throws -> Response {
        let id = groupId(call)
        let force = call.query.bool("force", default: false)
        let state = await call.controlPlane.currentState()
        let tree = GroupTree(state: state)
        guard tree.contains(id) else { throw MarathonHTTPError.unknownGroup(id) }
        var change = GroupChange(state: state, tree: tree)
        change.remove(id)
        let result = try await call.controlPlane.deploy(DeployRequest(apps: change.apps, groups: change.groups, force: force))
        return MarathonResponse.deployment(result)
    }

    /// The definition of `appId` as it was at `version` (its newest stored version not after it);
    /// nil when the app did not exist then.
    static func appAt(_ call: MarathonCall, _ appId: PathId, version: Timestamp) async throws -> AppDefinition? {
        let versions = await call.controlPlane.appVersions(appId) ?? []
        guard let chosen = versions.filter({ $0 <= version }).max() else { return nil }
        guard var app = try await call.controlPlane.appDefinition(appId, version: chosen) else { return nil }
        app.version = nil
        app.versionInfo = nil
        return app
    }

    /// `api_post_event` for every app a group change created or changed.
    static func publishPosts(_ call: MarathonCall, result: DeploymentResult, changed: [PathId: AppDefinition?]) {
        for (id, app) in result.apps.sorted(by: { $0.key < $1.key }) where changed[id] != nil {
            AppsRoutes.publishPost(call, app)
        }
    }
}

/// The apps and group records a group request sets (nil = remove), computed from one state snapshot.
struct GroupChange {
    let state: ClusterState
    let tree: GroupTree
    var apps: [PathId: AppDefinition?] = [:]
    var groups: [PathId: GroupRecord?] = [:]

    init(state: ClusterState, tree: GroupTree) {
        self.state = state
        self.tree = tree
    }

    /// Marathon's structural update: present `apps` replace the group's own apps, present
    /// `groups` replace its subgroups (recursively), absent keys keep what is there.
    mutating func applyStructure(_ update: GroupUpdate, groupId: PathId) {
        let node = tree.nodes[groupId]
        if let newApps = update.apps {
            let listed = Set(newApps.map(\.id))
            for existing in node?.apps ?? [] where !listed.contains(existing) { apps[existing] = .some(nil) }
            for app in newApps {
                var definition = app
                definition.version = nil
                definition.versionInfo = nil
                apps[app.id] = definition
            }
        }
        if let newGroups = update.groups {
            let listed = Set(newGroups.map { $0.id ?? groupId })
            for child in node?.groups ?? [] where !listed.contains(child) { remove(child) }
            for child in newGroups { applyStructure(child, groupId: child.id ?? groupId) }
        }
        if !groupId.isRoot {
            let existing = state.groups[groupId]
            groups[groupId] = GroupRecord(
                id: groupId, dependencies: update.dependencies ?? existing?.dependencies ?? [],
                version: Timestamp.now(), enforceRole: update.enforceRole ?? existing?.enforceRole ?? false)
        }
    }

    /// Removes every app below `id` and every group record below it (and its own, unless root).
    mutating func remove(_ id: PathId) {
        for appId in tree.appsBelow(id) { apps[appId] = .some(nil) }
        for group in tree.groupsBelow(id) where state.groups[group] != nil && !group.isRoot {
            groups[group] = .some(nil)
        }
    }

    /// `scaleBy`: every app below `id` gets `ceil(instances × factor)` instances.
    mutating func scale(below id: PathId, by factor: Double) {
        for appId in tree.appsBelow(id) {
            guard var app = state.apps[appId] else { continue }
            let scaled = (Double(app.instances) * factor).rounded(.up)
            app.instances = scaled.isFinite ? Int(min(max(scaled, 0), Double(Int32.max))) : app.instances
            apps[appId] = app
        }
    }

    /// The steps the change would take (`dryRun`), planned as the control plane plans them.
    func plannedSteps() -> [DeploymentStep] {
        var original: [PathId: AppDefinition] = [:]
        var target: [PathId: AppDefinition] = [:]
        for (id, proposed) in apps {
            let current = state.apps[id]
            if let current { original[id] = current }
            guard var next = proposed else { continue }
            if let current {
                next.version = current.version
                next.versionInfo = current.versionInfo
                Self.carryServicePorts(into: &next, from: current)
            }
            if next != current { target[id] = next } else { original[id] = nil }
        }
        return DeploymentPlanner.steps(original: original, target: target)
    }

    /// Dynamic service ports (`0`) keep the ports already assigned, as the control plane does on deploy.
    static func carryServicePorts(into app: inout AppDefinition, from current: AppDefinition) {
        if app.portDefinitions.count == current.portDefinitions.count {
            for index in app.portDefinitions.indices where app.portDefinitions[index].port == 0 {
                app.portDefinitions[index].port = current.portDefinitions[index].port
            }
        }
        if var mappings = app.container?.portMappings, let old = current.container?.portMappings, mappings.count == old.count {
            for index in mappings.indices where mappings[index].servicePort == 0 {
                mappings[index].servicePort = old[index].servicePort
            }
            app.container?.portMappings = mappings
        }
    }
}

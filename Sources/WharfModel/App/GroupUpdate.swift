import Foundation

/// The body of `POST|PUT /v2/groups[/{id}]` (`types/group.raml` GroupUpdate): apps and nested groups
/// with ids relative to the enclosing group, plus the special forms `{"version": ts}` (rollback)
/// and `{"scaleBy": f}`.
public struct GroupUpdate: Hashable, Sendable {
    /// The group id, resolved against the parent group (or the URL's group when absent).
    public var id: PathId?
    /// Full app definitions; `nil` when the key was absent (the group's apps are kept).
    public var apps: [AppDefinition]?
    /// Nested groups; `nil` when absent (kept).
    public var groups: [GroupUpdate]?
    public var dependencies: [PathId]?
    /// Rollback to this stored group version.
    public var version: Timestamp?
    /// Multiply the instances of every app below the group by this factor (rounded up).
    public var scaleBy: Double?
    public var enforceRole: Bool?

    public init(id: PathId? = nil, apps: [AppDefinition]? = nil, groups: [GroupUpdate]? = nil, dependencies: [PathId]? = nil,
                version: Timestamp? = nil, scaleBy: Double? = nil, enforceRole: Bool? = nil) {
        self.id = id
        self.apps = apps
        self.groups = groups
        self.dependencies = dependencies
        self.version = version
        self.scaleBy = scaleBy
        self.enforceRole = enforceRole
    }

    /// Every app of this update and its nested groups.
    public var allApps: [AppDefinition] {
        (apps ?? []) + (groups ?? []).flatMap(\.allApps)
    }

    /// Decodes a group body; relative ids are resolved against `base` (the URL's group, root for
    /// `/v2/groups`). Apps' relative ids are resolved against their group's id.
    public static func decode(json: Data, relativeTo base: PathId = .root) throws(MarathonInputError) -> GroupUpdate {
        try MarathonJSON.decode(GroupUpdate.self, from: json, relativeTo: base, schema: RAMLSchema.groupUpdate).value
    }

    /// Decodes and validates; all violations (normalisation conflicts included) are thrown together
    /// with paths like `/apps(0)/id` and `/groups(1)/apps(0)/cmd`.
    public static func decodeValidated(json: Data, relativeTo base: PathId = .root,
                                       enabledFeatures: Set<String> = []) throws(MarathonInputError) -> GroupUpdate {
        let (update, notes) = try MarathonJSON.decode(GroupUpdate.self, from: json, relativeTo: base, schema: RAMLSchema.groupUpdate)
        let failures = ValidationFailure.merged(notes + update.validate(groupId: update.id ?? base, enabledFeatures: enabledFeatures))
        if !failures.isEmpty { throw .invalidObject(failures) }
        return update
    }

    /// Checks ids (valid, apps and groups children of their group, no duplicates, no app and group
    /// with the same id) and every app's own rules.
    public func validate(groupId: PathId, enabledFeatures: Set<String> = []) -> [ValidationFailure] {
        var f = FailureCollector()
        if let id { f.add(contentsOf: id.validationFailures(at: "/id", allowRoot: true)) }
        if version != nil, apps != nil || groups != nil || scaleBy != nil || dependencies != nil {
            f.add("/", "You can either specify a version, or a scaleBy factor, or a group structure.")
        }
        if let scaleBy, scaleBy <= 0 { f.add("/scaleBy", "got \(scaleBy), expected more than 0.0") }
        for (index, dependency) in (dependencies ?? []).enumerated() {
            f.add(contentsOf: dependency.validationFailures(at: "/dependencies(\(index))"))
        }
        var seen: Set<PathId> = []
        for (index, app) in (apps ?? []).enumerated() {
            let prefix = "/apps(\(index))"
            f.add(contentsOf: app.validate(enabledFeatures: enabledFeatures), under: prefix)
            if app.id.parent != groupId { f.add(prefix + "/id", "Identifier is not child of '\(groupId)'") }
            if !seen.insert(app.id).inserted { f.add(prefix + "/id", "Duplicate id \(app.id)") }
        }
        for (index, group) in (groups ?? []).enumerated() {
            let prefix = "/groups(\(index))"
            let childId = group.id ?? groupId
            if childId.parent != groupId || childId == groupId {
                f.add(prefix + "/id", "Identifier is not child of '\(groupId)'")
            }
            if seen.contains(childId) { f.add(prefix + "/id", "Groups and Applications may not have the same identifier.") }
            if !seen.insert(childId).inserted, !(apps ?? []).contains(where: { $0.id == childId }) {
                f.add(prefix + "/id", "Duplicate id \(childId)")
            }
            f.add(contentsOf: group.validate(groupId: childId, enabledFeatures: enabledFeatures), under: prefix)
        }
        return ValidationFailure.merged(f.failures)
    }
}

extension GroupUpdate: Codable {
    private enum CodingKeys: String, CodingKey { case id, apps, groups, dependencies, version, scaleBy, enforceRole }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let base = decoder.baseGroup
        let id = try c.decodeIfPresent(String.self, forKey: .id).map { PathId($0, relativeTo: base) }
        let groupId = id ?? base
        let scope = decoder.groupScope
        scope?.push(groupId)
        defer { scope?.pop() }
        self.init(id: id,
                  apps: try c.decodeIfPresent([AppDefinition].self, forKey: .apps),
                  groups: try c.decodeIfPresent([GroupUpdate].self, forKey: .groups),
                  dependencies: try c.decodeIfPresent([String].self, forKey: .dependencies)?.map { PathId($0, relativeTo: groupId.parent) },
                  version: try c.decodeIfPresent(Timestamp.self, forKey: .version),
                  scaleBy: try c.decodeIfPresent(Double.self, forKey: .scaleBy),
                  enforceRole: try c.decodeIfPresent(Bool.self, forKey: .enforceRole))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(apps, forKey: .apps)
        try c.encodeIfPresent(groups, forKey: .groups)
        try c.encodeIfPresent(dependencies, forKey: .dependencies)
        try c.encodeIfPresent(version, forKey: .version)
        try c.encodeIfPresent(scaleBy, forKey: .scaleBy)
        try c.encodeIfPresent(enforceRole, forKey: .enforceRole)
    }
}

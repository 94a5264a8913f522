import WharfModel

/// Writes Marathon's GroupInfo (`types/group.raml`, `DefaultInfoService.queryGroup`): `{id, apps,
/// pods, groups, dependencies, version, enforceRole}`. `apps`, `groups` and `pods` are always
/// written, empty unless embedded (by default all three are), as Marathon 1.10 does.
struct GroupRenderer {
    let tree: GroupTree
    var apps: AppInfoRenderer
    let embed: GroupEmbed

    init(state: ClusterState, cache: AppJSONCache, embed: GroupEmbed) {
        tree = GroupTree(state: state)
        apps = AppInfoRenderer(state: state, cache: cache)
        self.embed = embed
    }

    /// The GroupInfo document of `id`, or nil when the group does not exist.
    mutating func document(_ id: PathId) -> [UInt8]? {
        guard tree.contains(id) else { return nil }
        var w = JSONWriter(capacity: 4096)
        write(id, into: &w)
        return w.bytes
    }

    mutating func write(_ id: PathId, into w: inout JSONWriter) {
        let state = apps.state
        let node = tree.nodes[id] ?? GroupTree.Node(id: id)
        let record = state.groups[id]
        w.beginObject()
        w.key("id"); w.string(id.description)
        w.key("apps")
        w.beginArray()
        if embed.apps {
            for appId in node.apps {
                if let app = state.apps[appId] { apps.write(app, embed: embed.app, into: &w) }
            }
        }
        w.endArray()
        // Wharf has no pods.
        w.key("pods"); w.emptyArray()
        w.key("groups")
        w.beginArray()
        if embed.groups {
            for child in node.groups { write(child, into: &w) }
        }
        w.endArray()
        w.key("dependencies"); w.stringArray((record?.dependencies ?? []).map(\.description))
        w.key("version"); w.timestamp(id.isRoot ? state.rootVersion : (record?.version ?? state.rootVersion))
        w.key("enforceRole"); w.bool(record?.enforceRole ?? false)
        w.endObject()
    }
}

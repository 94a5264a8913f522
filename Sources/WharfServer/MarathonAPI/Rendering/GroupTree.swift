import WharfModel

/// The group hierarchy implied by app ids and explicitly created groups: every ancestor of an app
/// and of a group record exists; the root always exists.
struct GroupTree: Sendable {
    struct Node: Sendable {
        var id: PathId
        /// Apps directly in this group, sorted.
        var apps: [PathId] = []
        /// Direct subgroups, sorted.
        var groups: [PathId] = []
    }

    private(set) var nodes: [PathId: Node]

    init(appIds: some Sequence<PathId>, groupIds: some Sequence<PathId>) {
        var nodes: [PathId: Node] = [.root: Node(id: .root)]
        // Creates `id` and every missing ancestor, each linked into its parent (the root exists).
        func ensure(_ id: PathId) {
            guard nodes[id] == nil else { return }
            ensure(id.parent)
            nodes[id] = Node(id: id)
            nodes[id.parent]?.groups.append(id)
        }
        for group in groupIds where !group.isRoot { ensure(group) }
        for app in appIds {
            ensure(app.parent)
            nodes[app.parent]?.apps.append(app)
        }
        for key in Array(nodes.keys) {
            nodes[key]?.apps.sort()
            nodes[key]?.groups.sort()
        }
        self.nodes = nodes
    }

    init(state: ClusterState) {
        self.init(appIds: state.apps.keys, groupIds: state.groups.keys)
    }

    /// Whether `id` names a group.
    func contains(_ id: PathId) -> Bool { nodes[id] != nil }

    /// Every app in `id` or below it, sorted.
    func appsBelow(_ id: PathId) -> [PathId] {
        guard let node = nodes[id] else { return [] }
        return (node.apps + node.groups.flatMap { appsBelow($0) }).sorted()
    }

    /// `id` and every group below it.
    func groupsBelow(_ id: PathId) -> [PathId] {
        guard let node = nodes[id] else { return [] }
        return [id] + node.groups.flatMap { groupsBelow($0) }
    }
}

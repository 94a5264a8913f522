import WharfModel

/// The catalog services of one app kept up to date member by member: what
/// `CatalogService.services(of:members:)` gives for the current members, where adding, changing
/// or removing one member costs a binary search and an array insertion per port rather than a
/// rebuild and sort of every endpoint. For apps of thousands of instances whose instances change
/// a few at a time (a rolling restart).
public struct AppServices: Sendable {
    /// The definition the services were built for.
    public let app: AppDefinition
    /// The services, endpoints sorted by instance id (as `services(of:members:)` sorts them).
    public private(set) var services: [CatalogService]
    /// Instance ids of the members, sorted; `services[i].endpoints[k]` belongs to `ids[k]`.
    private var ids: [String] = []

    /// The services of `app` with `members`.
    public init(app: AppDefinition, members: [CatalogMember]) {
        self.app = app
        services = CatalogService.services(of: app, members: members)
        ids = members.map(\.instance.id).sorted()
    }

    /// Sets the member of its instance (adding it if new); false when nothing changed.
    @discardableResult
    public mutating func upsert(_ member: CatalogMember) -> Bool {
        let (index, found) = position(of: member.instance.id)
        var changed = !found
        if !found { ids.insert(member.instance.id, at: index) }
        for s in services.indices {
            let endpoint = CatalogService.endpoint(member, portIndex: services[s].portIndex)
            if found {
                guard services[s].endpoints[index] != endpoint else { continue }
                services[s].endpoints[index] = endpoint
                changed = true
            } else {
                services[s].endpoints.insert(endpoint, at: index)
            }
        }
        return changed
    }

    /// Removes the member of instance `id`; false when it was not a member.
    @discardableResult
    public mutating func remove(_ id: String) -> Bool {
        let (index, found) = position(of: id)
        guard found else { return false }
        ids.remove(at: index)
        for s in services.indices { services[s].endpoints.remove(at: index) }
        return true
    }

    /// Where `id` is in `ids`, or would be inserted.
    private func position(of id: String) -> (index: Int, found: Bool) {
        var low = 0, high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return (low, low < ids.count && ids[low] == id)
    }
}

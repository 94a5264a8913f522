import WharfModel

/// One app's placement constraints, compiled for one `Scheduler.decide` call: which agents they
/// admit given where the app's instances already are, updated as instances are placed.
///
/// Semantics are Marathon's (`mesosphere.mesos.Constraints`): the field is `hostname` or an agent
/// attribute; an agent without the attribute only satisfies `UNLIKE`. Instances counted are the
/// app's non-terminal ones, also those being killed (they still occupy their host).
/// `GROUP_BY` without a value spreads over all values the agents have (Marathon would default to 0,
/// which lets instances pile up on one value).
final class ConstraintMatcher {
    private struct Item {
        let op: Constraint.Operator
        let field: FieldValues
        /// Instances of the app per value id.
        var counts: [Int]
        /// IS / CLUSTER with value: the id that matches (-2: no agent has the value). CLUSTER without
        /// value: the id the app is clustered on (-1: not yet).
        var target: Int32
        /// MAX_PER limit or GROUP_BY group count.
        let limit: Int
        var groupsInUse = 0
        var minCount = 0
        var numAtMin = 0
        let regex: Regex<AnyRegexOutput>?
        /// LIKE/UNLIKE: whether the value with this id fully matches (-1 not yet known).
        var matchCache: [Int8]
    }

    private var items: [Item]

    /// Whether the app has no constraints at all.
    var isEmpty: Bool { items.isEmpty }

    /// Compiles `app.constraints` against `cluster`, counting `instances` (the app's non-terminal
    /// ones). `fields` caches the interned field values across apps within one call.
    init(app: AppDefinition, instances: [Instance], cluster: ClusterState, fields: inout [String: FieldValues]) {
        var items: [Item] = []
        for constraint in app.constraints {
            let field: FieldValues
            if let cached = fields[constraint.field] {
                field = cached
            } else {
                field = FieldValues(field: constraint.field, agents: cluster.agents)
                fields[constraint.field] = field
            }
            var ids: [Int32] = []
            ids.reserveCapacity(instances.count)
            for instance in instances {
                if let a = cluster.indexById[instance.agentId] {
                    let id = field.valueIdByAgent[a]
                    if id >= 0 { ids.append(id) }
                } else if FieldValues.isHostname(constraint.field) {
                    ids.append(field.intern(instance.host))
                }
            }
            var counts = [Int](repeating: 0, count: field.count)
            for id in ids { counts[Int(id)] += 1 }
            var target: Int32 = -1
            var limit = 0
            var regex: Regex<AnyRegexOutput>? = nil
            switch constraint.op {
            case .is:
                target = constraint.value.flatMap { field.id(of: $0) } ?? -2
            case .cluster:
                if let value = constraint.value, !value.isEmpty {
                    target = field.id(of: value) ?? -2
                } else {
                    target = counts.firstIndex(where: { $0 > 0 }).map { Int32($0) } ?? -1
                }
            case .maxPer:
                limit = constraint.value.flatMap { Int($0) } ?? 0
            case .groupBy:
                limit = constraint.value.flatMap { Int($0) } ?? field.agentValueCount
            case .like, .unlike:
                regex = constraint.value.flatMap { try? Regex($0) }
            case .unique:
                break
            }
            var item = Item(op: constraint.op, field: field, counts: counts, target: target, limit: limit,
                            regex: regex, matchCache: [Int8](repeating: -1, count: field.count))
            if item.op == .groupBy { ConstraintMatcher.recomputeGroups(&item) }
            items.append(item)
        }
        self.items = items
    }

    /// Whether every constraint admits agent `agent`.
    func admits(_ agent: Int) -> Bool {
        for k in items.indices where !admits(item: k, agent: agent) { return false }
        return true
    }

    private func admits(item k: Int, agent: Int) -> Bool {
        let id = items[k].field.valueIdByAgent[agent]
        switch items[k].op {
        case .unique:
            return id >= 0 && items[k].counts[Int(id)] == 0
        case .is:
            return id >= 0 && id == items[k].target
        case .cluster:
            return id >= 0 && (items[k].target == -1 || id == items[k].target)
        case .maxPer:
            return id >= 0 && items[k].counts[Int(id)] < items[k].limit
        case .groupBy:
            guard id >= 0 else { return false }
            let c = items[k].counts[Int(id)]
            return c == 0 || (items[k].groupsInUse >= items[k].limit && c == items[k].minCount)
        case .like:
            return id >= 0 && matches(item: k, id: id)
        case .unlike:
            return id < 0 || !matches(item: k, id: id)
        }
    }

    private func matches(item k: Int, id: Int32) -> Bool {
        let cached = items[k].matchCache[Int(id)]
        if cached >= 0 { return cached == 1 }
        var result = false
        if let regex = items[k].regex {
            result = (try? regex.wholeMatch(in: items[k].field.values[Int(id)])) != nil
        }
        items[k].matchCache[Int(id)] = result ? 1 : 0
        return result
    }

    /// Counts a new instance placed on agent `agent`.
    func record(_ agent: Int) {
        for k in items.indices {
            let id = items[k].field.valueIdByAgent[agent]
            guard id >= 0 else { continue }
            let c = items[k].counts[Int(id)]
            items[k].counts[Int(id)] = c + 1
            switch items[k].op {
            case .cluster where items[k].target == -1:
                items[k].target = id
            case .groupBy:
                if c == 0 {
                    items[k].groupsInUse += 1
                    if items[k].groupsInUse == 1 || items[k].minCount > 1 {
                        items[k].minCount = 1
                        items[k].numAtMin = 1
                    } else {
                        items[k].numAtMin += 1
                    }
                } else if c == items[k].minCount {
                    items[k].numAtMin -= 1
                    if items[k].numAtMin == 0 { ConstraintMatcher.recomputeGroups(&items[k]) }
                }
            default:
                break
            }
        }
    }

    /// Recomputes GROUP_BY's groups in use, smallest group size and how many groups have it.
    private static func recomputeGroups(_ item: inout Item) {
        var inUse = 0, minCount = Int.max, atMin = 0
        for c in item.counts where c > 0 {
            inUse += 1
            if c < minCount { minCount = c; atMin = 1 } else if c == minCount { atMin += 1 }
        }
        item.groupsInUse = inUse
        item.minCount = inUse == 0 ? 0 : minCount
        item.numAtMin = atMin
    }
}

import WharfModel

/// Which instances go first when an app has more than it should (Marathon's `ScalingProposition`):
/// the ones doing least good first — unreachable, then unhealthy, then staging, then starting, then
/// running ones — and within each group by the app's `killSelection` on `stagedAt`.
enum ScalingOrder {
    /// Lower weight = killed earlier.
    static func weight(_ instance: Instance) -> Int {
        switch instance.state {
        case .unreachable, .unknown, .lost, .gone, .dropped: return 0
        default: break
        }
        if instance.healthy == false { return 1 }
        switch instance.state {
        case .staging: return 2
        case .starting: return 3
        case .killing: return 4
        default: return 5
        }
    }

    /// `instances` sorted so that the first ones are the first to kill. Sorts small keys rather
    /// than the instances themselves (a rolling restart of 10,000 instances orders them every pass,
    /// and moving an `Instance` costs a dozen reference counts).
    static func killOrder(_ instances: [Instance], selection: KillSelection) -> [Instance] {
        let keys = instances.indices.map { (weight: weight(instances[$0]), stagedAt: instances[$0].stagedAt, index: $0) }
        return keys.sorted { a, b in
            if a.weight != b.weight { return a.weight < b.weight }
            if a.stagedAt != b.stagedAt {
                return selection == .youngestFirst ? a.stagedAt > b.stagedAt : a.stagedAt < b.stagedAt
            }
            return instances[a.index].id < instances[b.index].id
        }.map { instances[$0.index] }
    }
}

import WharfModel

/// The apps waiting for a reconciliation pass to evaluate them, each at most once (Nomad's
/// evaluation broker, per app), in two lanes served first marked, first served:
/// - `prompt`: apps a report or an API write just touched — a deployment waiting for its last
///   instance to run, a crashed instance to replace. Short work whose latency users see.
/// - `later`: apps whose launches a pass cut short, and every app at a resync. Long work that may
///   wait a few passes.
/// A pass takes a bounded chunk of each lane (`take`), so that a steady stream of reports never
/// starves the work in progress, nor the other way round.
struct EvaluationQueue {
    enum Lane: Int {
        case prompt = 0
        case later = 1
    }

    private var lanes: [[PathId]] = [[], []]
    private var heads = [0, 0]
    /// The lane each queued app is served from (an app moved to the prompt lane leaves a stale
    /// entry in the later one, skipped when reached).
    private var queued: [PathId: Lane] = [:]

    var isEmpty: Bool { queued.isEmpty }

    /// Marks `app` for evaluation in `lane`; an app queued in the later lane moves up when marked
    /// prompt.
    mutating func mark(_ app: PathId, lane: Lane = .prompt) {
        if let current = queued[app] {
            guard current == .later, lane == .prompt else { return }
        }
        queued[app] = lane
        lanes[lane.rawValue].append(app)
    }

    mutating func mark(_ apps: some Sequence<PathId>, lane: Lane = .prompt) {
        for app in apps { mark(app, lane: lane) }
    }

    /// Takes apps from each lane until their instances reach `maxInstances` or the instances they
    /// lack reach `maxLaunches` (`size` says both of an app), at least one of each lane when it has
    /// any: each lane has its own budget, so that a big app in one does not hold the other back.
    mutating func take(maxInstances: Int, maxLaunches: Int, size: (PathId) -> (instances: Int, missing: Int)) -> Set<PathId> {
        var taken = Set<PathId>()
        for lane in [Lane.prompt, .later] {
            var instances = 0
            var missing = 0
            var first = true
            while let app = next(in: lane), first || (instances < maxInstances && missing < maxLaunches) {
                first = false
                pop(lane)
                queued[app] = nil
                taken.insert(app)
                let cost = size(app)
                instances += max(1, cost.instances)
                missing += max(0, cost.missing)
            }
        }
        return taken
    }

    /// The next app served from `lane`, dropping stale entries on the way.
    private mutating func next(in lane: Lane) -> PathId? {
        while heads[lane.rawValue] < lanes[lane.rawValue].count {
            let app = lanes[lane.rawValue][heads[lane.rawValue]]
            if queued[app] == lane { return app }
            pop(lane)
        }
        return nil
    }

    private mutating func pop(_ lane: Lane) {
        let l = lane.rawValue
        heads[l] += 1
        if heads[l] == lanes[l].count || heads[l] > 4096 && heads[l] * 2 > lanes[l].count {
            lanes[l].removeFirst(heads[l])
            heads[l] = 0
        }
    }
}

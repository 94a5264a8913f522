import WharfModel

/// The apps waiting for a reconciliation pass to evaluate them, first marked first served, each
/// at most once (Nomad's evaluation broker, per app). Reports and API writes mark the apps they
/// touch; a resync marks them all. A pass takes a bounded chunk (`take`), so a resync of a large
/// cluster is spread over many short passes between which API writes get their turn.
struct EvaluationQueue {
    private var order: [PathId] = []
    private var head = 0
    private var queued: Set<PathId> = []

    var isEmpty: Bool { queued.isEmpty }
    var count: Int { queued.count }

    /// Marks `app` for evaluation (no-op when it is queued already).
    mutating func mark(_ app: PathId) {
        guard queued.insert(app).inserted else { return }
        order.append(app)
    }

    mutating func mark(_ apps: some Sequence<PathId>) {
        for app in apps { mark(app) }
    }

    /// Takes apps in marking order until their instances (`weight`, at least 1 each) reach
    /// `budget`; always at least one app when any is queued.
    mutating func take(budget: Int, weight: (PathId) -> Int) -> Set<PathId> {
        var taken = Set<PathId>()
        var spent = 0
        while head < order.count, taken.isEmpty || spent < budget {
            let app = order[head]
            head += 1
            queued.remove(app)
            taken.insert(app)
            spent += max(1, weight(app))
        }
        if head == order.count || head > 4096 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        return taken
    }
}

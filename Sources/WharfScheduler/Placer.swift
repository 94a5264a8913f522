import Foundation
import WharfModel

/// How placement ranks the feasible agents it samples (Nomad's `SchedulerAlgorithm`).
public enum PlacementAlgorithm: String, Hashable, Sendable, Codable {
    /// Prefer the fullest agents (Nomad's "BestFit v3"), keeping whole agents free for big tasks.
    case binPack = "binpack"
    /// Prefer the emptiest agents ("worst fit"), spreading load.
    case spread
}

/// Places instances on agents for one `Scheduler.decide` call, Nomad-style: agents are shuffled once
/// with the view's seed, each placement walks on from where the previous one stopped and scores only
/// the first `sampleSize` feasible agents it meets (every agent up to `fullScanAgents`, beyond that
/// power of k choices, k = max(2, ⌈log2 agents⌉)), so a placement costs O(k) checks while the
/// cluster has room; it scans every agent only when the sample finds nothing, and then also reports
/// why each agent was rejected. Among the agents scored, the one with the fewest instances of the
/// app wins, then the best fit for the algorithm.
final class Placer {
    /// Where one instance goes.
    struct Placement {
        let agent: Int
        let ports: [Int]
    }

    /// What `place` achieved for one app.
    struct Outcome {
        var placements: [Placement] = []
        /// How many of the asked-for instances could not be placed, and why.
        var unplaced = 0
        var reason: WaitReason?
        /// Every agent of the runtime, with why it could not take the next instance, when a full
        /// scan found none that could.
        var declined: [DeclinedOffer] = []
    }

    /// Up to this many agents every feasible one is scored, so that an app always goes to the agents
    /// with the fewest of its instances; beyond, a sample of ⌈log2 agents⌉ is.
    static let fullScanAgents = 64

    let cluster: ClusterState
    let algorithm: PlacementAlgorithm
    let sampleSize: Int
    private let permutation: [Int]
    private var orders: [String: [Int]] = [:]
    private var cursors: [String: Int] = [:]
    private var fields: [String: FieldValues] = [:]

    init(cluster: ClusterState, seed: UInt64, algorithm: PlacementAlgorithm) {
        self.cluster = cluster
        self.algorithm = algorithm
        var generator = SplitMix64(seed: seed)
        self.permutation = Array(0..<cluster.agents.count).shuffled(using: &generator)
        let n = cluster.agents.count
        self.sampleSize = n <= Self.fullScanAgents ? max(n, 1) : max(2, Int((log2(Double(n))).rounded(.up)))
    }

    /// The runtime an app needs on its agent.
    static func runtime(of app: AppDefinition) -> String {
        app.container?.type == .docker ? "docker" : "process"
    }

    /// Agents that offer `runtime`, in shuffled order.
    private func order(for runtime: String) -> [Int] {
        if let order = orders[runtime] { return order }
        let order = permutation.filter { cluster.agents[$0].runtimes.contains(runtime) }
        orders[runtime] = order
        return order
    }

    /// Places up to `count` instances of `app`, whose non-terminal instances are `instances`, and
    /// reserves their resources and ports in the cluster state.
    func place(app: AppDefinition, count: Int, instances: [Instance]) -> Outcome {
        var outcome = Outcome()
        guard count > 0 else { return outcome }
        let runtime = Placer.runtime(of: app)
        let order = order(for: runtime)
        guard !order.isEmpty else {
            outcome.unplaced = count
            outcome.reason = .noAgent(cluster.agents.isEmpty
                ? "no agent is registered"
                : runtime == "docker" ? "no Docker engine on any agent" : "no agent offers the \(runtime) runtime")
            return outcome
        }
        let resources = app.resources
        let ports = PortRequest(app: app)
        let matcher = ConstraintMatcher(app: app, instances: instances, cluster: cluster, fields: &fields)
        var collisions: [Int: Int] = [:]
        for instance in instances {
            if let a = cluster.indexById[instance.agentId] { collisions[a, default: 0] += 1 }
        }
        var cursor = cursors[runtime] ?? 0
        outcome.placements.reserveCapacity(count)

        func feasible(_ a: Int) -> Bool {
            !cluster.draining[a]
                && cluster.fitsResources(resources, on: a)
                && (ports.isEmpty || ports.fits(cluster.ports(a)))
                && (matcher.isEmpty || matcher.admits(a))
        }

        for placed in 0..<count {
            var best = -1
            var bestScore = -Double.infinity
            var found = 0
            var visited = 0
            while visited < order.count && found < sampleSize {
                let a = order[cursor]
                cursor += 1
                if cursor == order.count { cursor = 0 }
                visited += 1
                guard feasible(a) else { continue }
                found += 1
                // Instances of the app already there weigh more than any difference in fit (which
                // is 0...1): an app spreads over agents first, by load second.
                var score = self.score(resources, on: a)
                if let c = collisions[a], c > 0 { score -= Double(c) }
                if score > bestScore {
                    bestScore = score
                    best = a
                }
            }
            guard best >= 0 else {
                // A full scan found nothing; placements only consume capacity, so the rest of this
                // app cannot be placed in this call either.
                outcome.unplaced = count - placed
                outcome.declined = declinedOffers(order: order, resources: resources, ports: ports, matcher: matcher)
                var counts: [String: Int] = [:]
                for offer in outcome.declined {
                    for reason in offer.reasons { counts[reason.rawValue, default: 0] += 1 }
                }
                outcome.reason = .noFit(rejections: counts, agentsConsidered: order.count)
                break
            }
            cluster.reserve(resources, on: best)
            let assigned = ports.isEmpty ? [] : ports.allocate(in: cluster.ports(best))
            if !matcher.isEmpty { matcher.record(best) }
            collisions[best, default: 0] += 1
            outcome.placements.append(Placement(agent: best, ports: assigned))
        }
        cursors[runtime] = cursor
        return outcome
    }

    /// Nomad's fit score, normalised to 0...1: bin-pack favours agents left fullest, spread emptiest.
    private func score(_ r: Resources, on a: Int) -> Double {
        let free = cluster.freeFractions(after: r, on: a)
        let total = pow(10, free.cpu) + pow(10, free.mem)
        let raw: Double
        switch algorithm {
        case .binPack: raw = 20 - total
        case .spread: raw = total - 2
        }
        return min(max(raw, 0), 18) / 18
    }

    /// Every agent in `order` with what it had free and all the reasons it cannot take an instance
    /// (an agent may fail for several).
    private func declinedOffers(order: [Int], resources: Resources, ports: PortRequest,
                                matcher: ConstraintMatcher) -> [DeclinedOffer] {
        var offers: [DeclinedOffer] = []
        offers.reserveCapacity(order.count)
        for a in order {
            var reasons: [NoOfferMatchReason] = []
            if cluster.draining[a] { reasons.append(.agentMaintenance) }
            if !matcher.isEmpty && !matcher.admits(a) { reasons.append(.unfulfilledConstraint) }
            if resources.cpus > cluster.freeCpus[a] + 1e-9 { reasons.append(.insufficientCpus) }
            if resources.mem > cluster.freeMem[a] + 1e-9 { reasons.append(.insufficientMemory) }
            if resources.disk > cluster.freeDisk[a] + 1e-9 { reasons.append(.insufficientDisk) }
            let space = cluster.ports(a)
            if !ports.isEmpty && !ports.fits(space) { reasons.append(.insufficientPorts) }
            let agent = cluster.agents[a]
            offers.append(DeclinedOffer(
                agentId: agent.id, host: agent.hostname, attributes: agent.attributes,
                free: Resources(cpus: cluster.freeCpus[a], mem: cluster.freeMem[a], disk: cluster.freeDisk[a]),
                freePorts: space.freeRanges(), reasons: reasons))
        }
        return offers
    }
}

import Prometheus
import WharfMetrics
import WharfModel
import WharfScheduler

/// The control plane's series: counters and histograms updated where things happen (passes,
/// launches, deployments ending), and gauges of the cluster state set from a snapshot of it at
/// every scrape. Every label value of the gauges is always present (0 when nothing has it), so
/// that a state that empties reads 0 rather than vanishing. Once the control plane is gone (a
/// leader term ended) the state gauges leave the exposition: a follower shows no stale state.
final class ControlPlaneMetrics: Sendable {
    let registry: MetricsRegistry
    let schedulerPass: DurationHistogram
    let tasksLaunched: Counter
    let deploymentsSucceeded: Counter
    let deploymentsFailed: Counter

    /// What a queue entry waits for, as the `reason` label says it.
    enum QueueReason: String, CaseIterable {
        case backoff, noFit = "no_fit", noAgent = "no_agent", upgradeCapacity = "upgrade_capacity"

        init(_ reason: WaitReason) {
            switch reason {
            case .backoff: self = .backoff
            case .noFit: self = .noFit
            case .noAgent: self = .noAgent
            case .upgradeCapacity: self = .upgradeCapacity
            }
        }
    }

    /// Instance states counted by `wharf_instances` (the non-terminal ones).
    static let activeStates = TaskState.allCases.filter { !$0.isTerminal }

    init(registry: MetricsRegistry) {
        self.registry = registry
        schedulerPass = registry.histogram(MetricFamilies.schedulerPassDuration)
        tasksLaunched = registry.counter(MetricFamilies.tasksLaunched)
        deploymentsSucceeded = registry.counter(MetricFamilies.deployments, "success")
        deploymentsFailed = registry.counter(MetricFamilies.deployments, "failed")
    }

    /// `TASK_RUNNING` → `running`.
    static func stateLabel(_ state: TaskState) -> String {
        state.rawValue.dropFirst("TASK_".count).lowercased()
    }

    /// Makes every scrape refresh the state gauges from `controlPlane`'s state. A later control
    /// plane on the same registry (the next leader term) takes the place of an earlier one. The
    /// gauges are looked up at every scrape rather than kept, so that removing them when a term
    /// ends can never orphan the next term's.
    func follow(_ controlPlane: ControlPlane) {
        // Weak: the registry holds this closure; strong references would be cycles through it.
        registry.setCollector(named: "control plane") { [weak controlPlane, weak registry] in
            guard let registry else { return }
            guard let controlPlane else {
                for (family, labels, _) in Self.stateGauges(of: ClusterState(), subscribers: 0, now: .now()) {
                    registry.remove(registry.gauge(family, values: labels))
                }
                return
            }
            // A server on etcd sets `wharf_leader` from its leadership (`WharfServerMain.runHA`).
            if controlPlane.leadership == nil { registry.gauge(MetricFamilies.leader).set(to: 1) }
            let state = await controlPlane.currentState()
            for (family, labels, value) in Self.stateGauges(of: state, subscribers: controlPlane.events.subscriberCount, now: .now()) {
                registry.gauge(family, values: labels).set(to: value)
            }
        }
    }

    /// Every state gauge with its label values and its value in `state`.
    static func stateGauges(of state: ClusterState, subscribers: Int, now: Timestamp) -> [(GaugeFamily, [String], Double)] {
        var byState: [TaskState: Int] = [:]
        var healthy = 0, unhealthy = 0, unknown = 0
        for instance in state.instances.values where instance.isActive {
            byState[instance.state, default: 0] += 1
            guard instance.state == .running else { continue }
            switch instance.healthy {
            case true?: healthy += 1
            case false?: unhealthy += 1
            case nil: unknown += 1
            }
        }
        var waiting: [QueueReason: Int] = [:]
        for entry in state.queue.values { waiting[QueueReason(entry.reason), default: 0] += entry.count }
        var delayed = 0
        var longest = 0.0
        for backoff in state.backoff.values {
            guard let until = backoff.delayedUntil, until > now else { continue }
            delayed += 1
            longest = max(longest, Double(until.millis - now.millis) / 1000)
        }
        var active = 0, draining = 0
        for id in state.agents.keys where state.unreachableAgents[id] == nil {
            if state.drains[id] != nil { draining += 1 } else { active += 1 }
        }
        var gauges: [(GaugeFamily, [String], Double)] = [(MetricFamilies.apps, [], Double(state.apps.count))]
        gauges += activeStates.map { (MetricFamilies.instances, [stateLabel($0)], Double(byState[$0] ?? 0)) }
        gauges += [(MetricFamilies.runningInstances, ["healthy"], Double(healthy)),
                   (MetricFamilies.runningInstances, ["unhealthy"], Double(unhealthy)),
                   (MetricFamilies.runningInstances, ["unknown"], Double(unknown)),
                   (MetricFamilies.deploymentsInProgress, [], Double(state.deployments.count))]
        gauges += QueueReason.allCases.map { (MetricFamilies.launchQueueInstances, [$0.rawValue], Double(waiting[$0] ?? 0)) }
        gauges += [(MetricFamilies.launchDelayedApps, [], Double(delayed)),
                   (MetricFamilies.launchDelayMaxSeconds, [], longest),
                   (MetricFamilies.eventStreamSubscribers, [], Double(subscribers)),
                   (MetricFamilies.agents, ["active"], Double(active)),
                   (MetricFamilies.agents, ["draining"], Double(draining)),
                   (MetricFamilies.agents, ["unreachable"], Double(state.unreachableAgents.count))]
        return gauges
    }
}

import Prometheus
import WharfMetrics
import WharfModel
import WharfScheduler

/// The control plane's series: counters and histograms updated where things happen (passes,
/// launches, deployments ending), and gauges of the cluster state set from a snapshot of it at
/// every scrape. Every label value of the gauges is always present (0 when nothing has it), so
/// that a state that empties reads 0 rather than vanishing.
final class ControlPlaneMetrics: Sendable {
    let registry: MetricsRegistry
    let schedulerPass: DurationHistogram
    let tasksLaunched: Counter
    let deploymentsSucceeded: Counter
    let deploymentsFailed: Counter
    private let apps: Gauge
    private let instances: [TaskState: Gauge]
    private let running: (healthy: Gauge, unhealthy: Gauge, unknown: Gauge)
    private let deploymentsInProgress: Gauge
    private let queue: [QueueReason: Gauge]
    private let delayedApps: Gauge
    private let longestDelay: Gauge
    private let subscribers: Gauge
    private let agents: (active: Gauge, draining: Gauge, unreachable: Gauge)
    private let leader: Gauge

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
        apps = registry.gauge(MetricFamilies.apps)
        instances = Dictionary(uniqueKeysWithValues: Self.activeStates.map {
            ($0, registry.gauge(MetricFamilies.instances, Self.stateLabel($0)))
        })
        running = (registry.gauge(MetricFamilies.runningInstances, "healthy"),
                   registry.gauge(MetricFamilies.runningInstances, "unhealthy"),
                   registry.gauge(MetricFamilies.runningInstances, "unknown"))
        deploymentsInProgress = registry.gauge(MetricFamilies.deploymentsInProgress)
        queue = Dictionary(uniqueKeysWithValues: QueueReason.allCases.map {
            ($0, registry.gauge(MetricFamilies.launchQueueInstances, $0.rawValue))
        })
        delayedApps = registry.gauge(MetricFamilies.launchDelayedApps)
        longestDelay = registry.gauge(MetricFamilies.launchDelayMaxSeconds)
        subscribers = registry.gauge(MetricFamilies.eventStreamSubscribers)
        agents = (registry.gauge(MetricFamilies.agents, "active"), registry.gauge(MetricFamilies.agents, "draining"),
                  registry.gauge(MetricFamilies.agents, "unreachable"))
        leader = registry.gauge(MetricFamilies.leader)
    }

    /// `TASK_RUNNING` → `running`.
    static func stateLabel(_ state: TaskState) -> String {
        state.rawValue.dropFirst("TASK_".count).lowercased()
    }

    /// Makes every scrape refresh the gauges from `controlPlane`'s state. A later control plane on
    /// the same registry (the next leader term) takes the place of an earlier one.
    func follow(_ controlPlane: ControlPlane) {
        // Weak: the registry outlives neither; a strong reference would be a cycle through it.
        registry.setCollector(named: "control plane") { [weak controlPlane, weak self] in
            guard let controlPlane, let self else { return }
            // A server on etcd sets `wharf_leader` from its leadership (`WharfServerMain.runHA`).
            if controlPlane.leadership == nil { self.leader.set(to: 1) }
            let state = await controlPlane.currentState()
            self.update(from: state, subscribers: controlPlane.events.subscriberCount, now: .now())
        }
    }

    /// Sets the gauges from `state`.
    func update(from state: ClusterState, subscribers count: Int, now: Timestamp) {
        apps.set(to: Double(state.apps.count))
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
        for (taskState, gauge) in instances { gauge.set(to: Double(byState[taskState] ?? 0)) }
        running.healthy.set(to: Double(healthy))
        running.unhealthy.set(to: Double(unhealthy))
        running.unknown.set(to: Double(unknown))
        deploymentsInProgress.set(to: Double(state.deployments.count))
        var waiting: [QueueReason: Int] = [:]
        for entry in state.queue.values { waiting[QueueReason(entry.reason), default: 0] += entry.count }
        for (reason, gauge) in queue { gauge.set(to: Double(waiting[reason] ?? 0)) }
        var delayed = 0
        var longest = 0.0
        for backoff in state.backoff.values {
            guard let until = backoff.delayedUntil, until > now else { continue }
            delayed += 1
            longest = max(longest, Double(until.millis - now.millis) / 1000)
        }
        delayedApps.set(to: Double(delayed))
        longestDelay.set(to: longest)
        subscribers.set(to: Double(count))
        var active = 0, draining = 0
        for id in state.agents.keys where state.unreachableAgents[id] == nil {
            if state.drains[id] != nil { draining += 1 } else { active += 1 }
        }
        agents.active.set(to: Double(active))
        agents.draining.set(to: Double(draining))
        agents.unreachable.set(to: Double(state.unreachableAgents.count))
    }
}

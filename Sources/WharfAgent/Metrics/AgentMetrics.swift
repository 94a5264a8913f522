import Prometheus
import Synchronization
import WharfMetrics
import WharfModel

/// An agent's series: tasks by runtime and task exits (always), and, unless turned off
/// (`--task-metrics off`), each running task's CPU, memory and OOM kills labelled with its app and
/// task id — read at every scrape from its cgroups (process tasks) or the Docker Engine's stats
/// (Docker tasks) and removed when the task ends, so ended tasks do not pile up.
final class AgentMetrics: Sendable {
    /// A task to sample.
    struct Source: Sendable {
        var appId: String
        var taskId: String
        var runtime: String
        var handle: TaskHandle
    }

    /// One task's series, made when a value is first known.
    private struct TaskSeries: Sendable {
        let labels: [String]
        var cpu: MirroredCounter?
        var throttled: MirroredCounter?
        var oomKills: MirroredCounter?
        var memory: Gauge?
        var limit: Gauge?
    }

    let registry: MetricsRegistry
    /// Whether per-task series are kept.
    let perTask: Bool
    private let hostMemoryBytes: UInt64
    private let tasksByRuntime: [String: Gauge]
    private let oomKills: Counter
    private let series = Mutex<[String: TaskSeries]>([:])
    /// Totals kept by ``TaskLogs`` and its syslog shipper, mirrored at each scrape.
    private let output = Mutex<OutputSeries>(OutputSeries())

    private struct OutputSeries: Sendable {
        var written: MirroredCounter?
        var dropped: MirroredCounter?
        var failures: MirroredCounter?
        var syslogSent: MirroredCounter?
        var syslogDropped: MirroredCounter?
        var syslogTruncated: MirroredCounter?
    }

    init(registry: MetricsRegistry, perTask: Bool, runtimes: [String], hostMemoryBytes: UInt64) {
        self.registry = registry
        self.perTask = perTask
        self.hostMemoryBytes = hostMemoryBytes
        tasksByRuntime = Dictionary(runtimes.map { ($0, registry.gauge(MetricFamilies.agentTasks, $0)) },
                                    uniquingKeysWith: { first, _ in first })
        oomKills = registry.counter(MetricFamilies.agentOOMKills)
    }

    /// Counts a task's end and removes its series.
    func taskEnded(taskId: String, state: TaskState, outOfMemory: Bool) {
        registry.counter(MetricFamilies.agentTaskExits, state.rawValue.dropFirst("TASK_".count).lowercased()).increment()
        if outOfMemory { oomKills.increment() }
        if let ended = series.withLock({ $0.removeValue(forKey: taskId) }) { remove(ended) }
    }

    /// Mirrors the task output totals (and syslog's, when it ships).
    func collectOutput(_ statistics: TaskLogs.Statistics, syslog: SyslogShipper.Statistics?) {
        output.withLock { series in
            func mirror(_ counter: inout MirroredCounter?, _ family: CounterFamily, labels: [String] = [], total: Int64) {
                if counter == nil { counter = MirroredCounter(registry.counter(family, values: labels)) }
                counter?.advance(to: UInt64(max(0, total)))
            }
            mirror(&series.written, MetricFamilies.taskOutputBytes, total: statistics.bytesWritten)
            mirror(&series.dropped, MetricFamilies.taskOutputDroppedBytes, total: statistics.bytesDropped)
            mirror(&series.failures, MetricFamilies.taskOutputWriteFailures, total: statistics.writeFailures)
            if let syslog {
                mirror(&series.syslogSent, MetricFamilies.syslogMessages, labels: ["sent"], total: syslog.sent)
                mirror(&series.syslogDropped, MetricFamilies.syslogMessages, labels: ["dropped"], total: syslog.dropped)
                mirror(&series.syslogTruncated, MetricFamilies.syslogTruncatedMessages, total: syslog.truncated)
            }
        }
    }

    /// Samples `sources` (the tasks running now) and removes the series of tasks no longer among them.
    func collect(_ sources: [Source], docker: DockerRuntime?) async {
        var counts: [String: Int] = [:]
        for source in sources { counts[source.runtime, default: 0] += 1 }
        for (runtime, gauge) in tasksByRuntime { gauge.set(to: Double(counts[runtime] ?? 0)) }
        guard perTask else { return }
        var samples: [(Source, TaskUsage)] = []
        for source in sources {
            if source.runtime == "docker" {
                if let usage = await docker?.usage(of: source.handle, hostMemoryBytes: hostMemoryBytes) {
                    samples.append((source, usage))
                }
            } else if !source.handle.cgroups.isEmpty {
                samples.append((source, TaskUsage.read(cgroups: source.handle.cgroups)))
            }
        }
        let current = Set(sources.map(\.taskId))
        let gone = series.withLock { series -> [TaskSeries] in
            let gone = series.filter { !current.contains($0.key) }
            for taskId in gone.keys { series[taskId] = nil }
            for (source, usage) in samples {
                var entry = series[source.taskId] ?? TaskSeries(labels: [source.appId, source.taskId])
                update(&entry, with: usage)
                series[source.taskId] = entry
            }
            return Array(gone.values)
        }
        for entry in gone { remove(entry) }
    }

    private func update(_ entry: inout TaskSeries, with usage: TaskUsage) {
        if let nanoseconds = usage.cpuNanoseconds {
            if entry.cpu == nil { entry.cpu = MirroredCounter(registry.counter(MetricFamilies.taskCPU, values: entry.labels)) }
            entry.cpu?.advance(to: Double(nanoseconds) / 1e9)
        }
        if let nanoseconds = usage.throttledNanoseconds {
            if entry.throttled == nil {
                entry.throttled = MirroredCounter(registry.counter(MetricFamilies.taskCPUThrottled, values: entry.labels))
            }
            entry.throttled?.advance(to: Double(nanoseconds) / 1e9)
        }
        if let kills = usage.oomKills {
            if entry.oomKills == nil { entry.oomKills = MirroredCounter(registry.counter(MetricFamilies.taskOOMKills, values: entry.labels)) }
            entry.oomKills?.advance(to: kills)
        }
        if let bytes = usage.memoryBytes {
            if entry.memory == nil { entry.memory = registry.gauge(MetricFamilies.taskMemoryUsage, values: entry.labels) }
            entry.memory?.set(to: Double(bytes))
        }
        if let bytes = usage.memoryLimitBytes {
            if entry.limit == nil { entry.limit = registry.gauge(MetricFamilies.taskMemoryLimit, values: entry.labels) }
            entry.limit?.set(to: Double(bytes))
        }
    }

    private func remove(_ entry: TaskSeries) {
        if let counter = entry.cpu?.counter { registry.remove(counter) }
        if let counter = entry.throttled?.counter { registry.remove(counter) }
        if let counter = entry.oomKills?.counter { registry.remove(counter) }
        if let gauge = entry.memory { registry.remove(gauge) }
        if let gauge = entry.limit { registry.remove(gauge) }
    }
}

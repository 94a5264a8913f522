import WharfModel

/// Writes AppInfo's `tasksStats` (`embed=app.taskStats`; `TaskStatsByVersion.scala`, `types/task.raml`): counts and life times of the tasks
/// started after the last scaling, with the latest configuration, with an outdated configuration,
/// and of all tasks. Groups without tasks are omitted, as Marathon does.
enum TaskStatsRenderer {
    static func write(_ instances: [Instance], app: AppDefinition, now: Timestamp, into w: inout JSONWriter) {
        let lastScaling = app.versionInfo?.lastScalingAt
        let lastConfig = app.versionInfo?.lastConfigChangeAt
        let afterScaling = instances.filter { instance in lastScaling.map { instance.stagedAt >= $0 } ?? true }
        let latest = instances.filter { instance in lastConfig.map { instance.configVersion == $0 } ?? true }
        let outdated = instances.filter { instance in lastConfig.map { instance.configVersion != $0 } ?? false }
        w.beginObject()
        for (name, group) in [("startedAfterLastScaling", afterScaling), ("withLatestConfig", latest),
                              ("withOutdatedConfig", outdated), ("totalSummary", instances)] where !group.isEmpty {
            w.key(name)
            writeStats(group, now: now, into: &w)
        }
        w.endObject()
    }

    /// `{"stats":{"counts":{staged,running,healthy,unhealthy},"lifeTime":{averageSeconds,medianSeconds}}}`.
    static func writeStats(_ instances: [Instance], now: Timestamp, into w: inout JSONWriter) {
        let counts = TaskCounts(instances)
        w.beginObject()
        w.key("stats")
        w.beginObject()
        w.key("counts")
        w.beginObject()
        w.key("staged"); w.int(counts.staged)
        w.key("running"); w.int(counts.running)
        w.key("healthy"); w.int(counts.healthy)
        w.key("unhealthy"); w.int(counts.unhealthy)
        w.endObject()
        let lifeTimes = instances.compactMap { $0.startedAt.map { max(0, now.seconds(since: $0)) } }.sorted()
        if !lifeTimes.isEmpty {
            let average = lifeTimes.reduce(0, +) / Double(lifeTimes.count)
            let middle = lifeTimes.count / 2
            let median = lifeTimes.count % 2 == 1 ? lifeTimes[middle] : (lifeTimes[middle - 1] + lifeTimes[middle]) / 2
            w.key("lifeTime")
            w.beginObject()
            w.key("averageSeconds"); w.double(average)
            w.key("medianSeconds"); w.double(median)
            w.endObject()
        }
        w.endObject()
        w.endObject()
    }
}

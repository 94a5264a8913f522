import Foundation
import WharfModel

extension Agent {
    /// Makes every scrape of `configuration.metrics` sample this agent's tasks.
    nonisolated func followedByMetrics(_ metrics: AgentMetrics) {
        let docker = runtimes["docker"] as? DockerRuntime
        // Weak: the registry holds this closure; strong references would be cycles through it.
        metrics.registry.setCollector(named: "agent \(id)") { [weak self, weak metrics] in
            guard let self, let metrics else { return }
            await metrics.collect(await self.metricsSources(), docker: docker)
            metrics.collectOutput(self.logs.statistics, syslog: self.logs.shipper?.statistics)
        }
    }

    /// The tasks started or adopted and not ended.
    func metricsSources() -> [AgentMetrics.Source] {
        tasks.values.compactMap { task in
            guard task.phase == .running, let handle = task.handle else { return nil }
            return AgentMetrics.Source(appId: task.appId.description, taskId: task.taskId, runtime: task.runtimeName, handle: handle)
        }
    }

    /// Counts the end of a task in the metrics (and removes its series).
    func countEnd(of exit: TaskExit, state: TaskState) {
        var outOfMemory = false
        if case .signaled(_, true) = exit.termination { outOfMemory = true }
        metrics?.taskEnded(taskId: exit.handle.taskId, state: state, outOfMemory: outOfMemory)
    }
}

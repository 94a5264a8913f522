import Foundation
import WharfModel

extension Agent {
    /// Reads a task's output from its sandbox on this agent (see ``TaskLogRequest``), waiting for
    /// the agent's recovery first so that a task it is about to adopt counts as live.
    public nonisolated func readTaskLog(_ request: TaskLogRequest) async -> TaskLogReply {
        guard TaskLogRequest.isSafeTaskId(request.taskId), let appId = Instance.appId(fromInstanceOrTaskId: request.taskId) else {
            return .notFound("'\(request.taskId)' is not a task id")
        }
        await start()
        return await logs.read(request, sandbox: configuration.sandbox(appId: appId, taskId: request.taskId))
    }
}

extension Agent {
    /// Removes ended tasks' sandboxes once due, now and then periodically (every half retention,
    /// between 1 s and a minute).
    func collectSandboxes() {
        guard sandboxCollection == nil else { return }
        let retention = configuration.output.sandboxRetentionSeconds
        let interval = Duration.milliseconds(Int64(min(60, max(1, retention / 2)) * 1000))
        sandboxCollection = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                await self.sweepSandboxes()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// A task of app `appId` ended: its app's sandboxes beyond the per-app limit go now (one sweep
    /// at a time; ends meanwhile make one more).
    func sandboxesOfAppEnded(_ appId: PathId) {
        sandboxSweep.apps.insert(appId.safeName)
        guard !sandboxSweep.running else { return }
        sandboxSweep.running = true
        Task {
            while true {
                let apps = self.takeSweepApps()
                guard !apps.isEmpty else { return }
                await self.sweepSandboxes(apps: apps.sorted())
            }
        }
    }

    /// The apps to sweep next; none (and the sweep ends) when no task ended meanwhile.
    private func takeSweepApps() -> Set<String> {
        let apps = sandboxSweep.apps
        sandboxSweep.apps = []
        if apps.isEmpty { sandboxSweep.running = false }
        return apps
    }

    /// One sweep: every task the agent holds that has not ended, every task still writing output,
    /// and every instance whose record cannot be read keep their sandboxes.
    func sweepSandboxes(apps: [String]? = nil) async {
        let keep = Set(tasks.values.filter { $0.phase != .ended }.map(\.taskId))
        // Tasks whose records cannot be read are left alone entirely, sandboxes included.
        let keepInstances = Set(unreadableTasks.keys)
        let root = configuration.dataDir + "/sandboxes"
        let output = configuration.output
        let logs = self.logs
        let removed = await BlockingIO.run {
            SandboxCollector.sweep(root: root, apps: apps, keep: keep, keepInstances: keepInstances, isLive: logs.isLive, now: Date().timeIntervalSince1970,
                                   retentionSeconds: output.sandboxRetentionSeconds, perApp: output.sandboxesPerApp)
        }
        if !removed.isEmpty {
            logger.info("removed sandboxes of ended tasks", metadata: ["count": "\(removed.count)"])
        }
    }
}

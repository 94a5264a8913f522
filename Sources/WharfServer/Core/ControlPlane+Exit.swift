import WharfModel
import WharfScheduler

extension ControlPlane {
    /// Stops every task before the process exits (`--stop-tasks-on-exit`): from now on nothing is
    /// launched or replaced, every active instance is killed as through the API (out of routing,
    /// SIGTERM, SIGKILL after its app's grace period), and this waits until all have ended or their
    /// longest grace period (plus the drain and 10 s) has passed. Apps, groups and deployments stay
    /// as they are: the next start launches the apps again. Returns how many tasks were asked to
    /// stop and how many were still active at the end.
    public func stopAllTasks() async -> (stopping: Int, remaining: Int) {
        stoppingAllTasks = true
        var active: [Instance] = []
        do {
            // Inside the write lock: a reconcile pass that was already launching has finished, and
            // what it launched is among the instances killed here.
            active = try await serialized {
                let active = Array(state.instances.values.filter(\.isActive))
                let kills = active.filter { $0.goal == .running }
                    .map { KillDecision(instanceId: $0.id, reason: "wharf dev is stopping (--stop-tasks-on-exit)") }
                _ = try await decommission(kills)
                return active
            }
        } catch {
            logger.error("tasks not stopped: \(error)")
            return (active.count, state.instances.values.filter(\.isActive).count)
        }
        let grace = active.map { killGrace(for: $0.appId) }.max() ?? 0
        let timeout = Duration.milliseconds(Int64((grace + configuration.killDrainSeconds + 10) * 1000))
        if state.instances.values.contains(where: \.isActive) {
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.resumeAllTasksStoppedWaiter()
            }
            await withCheckedContinuation { allTasksStopped = $0 }
            timer.cancel()
        }
        await serialized { await flushQuietly() }
        return (active.count, state.instances.values.filter(\.isActive).count)
    }

    /// Wakes `stopAllTasks()` once no instance is active any more.
    func resumeIfAllTasksStopped() {
        guard !state.agentUsage.values.contains(where: { $0.instances > 0 }) else { return }
        resumeAllTasksStoppedWaiter()
    }

    /// Wakes `stopAllTasks()` (at most once).
    func resumeAllTasksStoppedWaiter() {
        allTasksStopped?.resume()
        allTasksStopped = nil
    }
}

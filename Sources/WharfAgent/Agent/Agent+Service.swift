import ServiceLifecycle

extension Agent: Service {
    /// Runs the agent as part of a `ServiceGroup`: recovers and announces it (``start()``), then
    /// waits for graceful shutdown and calls ``shutdown()``.
    ///
    /// Shutting the agent down does not stop its tasks: they keep running, their records stay on
    /// disk, and the next agent on the same data directory re-adopts them. Tasks are stopped only by
    /// `kill` commands.
    public func run() async throws {
        await start()
        // Returns on graceful shutdown; throws when the task is cancelled instead. Both end the agent.
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops supervising (no more exits are observed, no kill escalates, no check runs, drains are
    /// abandoned: a restarted agent finishes recorded kills) without stopping any task, and ends
    /// ``reports``. Later commands are ignored.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        inbox.finish()
        availabilityWatch?.cancel()
        availabilityWatch = nil
        portWatch?.cancel()
        portWatch = nil
        sandboxCollection?.cancel()
        sandboxCollection = nil
        for id in tasks.keys {
            stopChecks(id)
            tasks[id]?.drain?.cancel()
            tasks[id]?.drain = nil
        }
        for runtime in runtimes.values { await runtime.detach() }
        await logs.shutdown()
        await httpProbe.shutdown()
        logger.info("agent stopped; tasks keep running for the next agent to adopt", metadata: [
            "tasks": "\(tasks.values.filter { $0.phase != .ended }.count)",
        ])
        reportContinuation.finish()
    }
}

extension DockerAPI {
    /// The parts of `GET /containers/{id}/stats?stream=false&one-shot=true` the agent's metrics use.
    struct ContainerStats: Decodable, Sendable {
        struct CPUStats: Decodable, Sendable {
            struct Usage: Decodable, Sendable {
                var total_usage: UInt64?
            }

            struct Throttling: Decodable, Sendable {
                var throttled_time: UInt64?
            }

            var cpu_usage: Usage?
            var throttling_data: Throttling?
        }

        struct MemoryStats: Decodable, Sendable {
            var usage: UInt64?
            var limit: UInt64?
        }

        var cpu_stats: CPUStats?
        var memory_stats: MemoryStats?

        /// As the agent's metrics read it. The engine reports the host's memory as the limit of a
        /// container without one; a limit is taken only when it is below `hostMemoryBytes`.
        func usage(hostMemoryBytes: UInt64) -> TaskUsage {
            TaskUsage(
                cpuNanoseconds: cpu_stats?.cpu_usage?.total_usage,
                throttledNanoseconds: cpu_stats?.throttling_data?.throttled_time,
                memoryBytes: memory_stats?.usage,
                memoryLimitBytes: memory_stats?.limit.flatMap { $0 > 0 && $0 < hostMemoryBytes ? $0 : nil },
                oomKills: nil)
        }
    }
}

extension DockerEngine {
    /// One sample of a container's usage (no streaming, no second sample for a CPU percentage).
    func containerStats(_ id: String) async throws(DockerEngineError) -> DockerAPI.ContainerStats {
        try await call(.get, "/containers/\(Self.pathComponent(id))/stats", query: [("stream", "false"), ("one-shot", "true")])
    }
}

extension DockerRuntime {
    /// The usage of the container of `handle`; nil when the engine is not connected or does not answer.
    func usage(of handle: TaskHandle, hostMemoryBytes: UInt64) async -> TaskUsage? {
        guard let engine, let containerId = handle.containerId else { return nil }
        do {
            return try await engine.containerStats(containerId).usage(hostMemoryBytes: hostMemoryBytes)
        } catch {
            logger.debug("container stats unavailable", metadata: ["container": "\(containerId)", "error": "\(error)"])
            return nil
        }
    }
}

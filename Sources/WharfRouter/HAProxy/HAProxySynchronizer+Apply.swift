extension HAProxySynchronizer {
    /// What applying runtime commands left to do.
    struct ApplyResult {
        /// Why a retry is needed, if one is.
        var pending: String?
        /// HAProxy lacks a backend: its config is not the one we think, so reload.
        var needsReload = false
    }

    /// Runs `commands` in order. A refused command skips the rest of its server's commands (they
    /// depend on it); the next round plans them again from what HAProxy then reports.
    func apply(_ commands: [HAProxyRuntimeCommand]) async throws -> ApplyResult {
        var result = ApplyResult()
        var failedServers = Set<String>()
        for command in commands {
            let target = command.target
            let key = target.backend + "/" + target.server
            guard !failedServers.contains(key) else { continue }
            do {
                try await runtime.execute(command)
                logger.info("haproxy: \(command)", metadata: ["backend": "\(target.backend)", "server": "\(target.server)"])
            } catch let error as HAProxyRuntimeError {
                failedServers.insert(key)
                if case .unreachable = error { throw error }
                if error.isNoSuchBackend {
                    result.needsReload = true
                } else if error.isServerBusy {
                    logger.debug("haproxy: \(key) still has connections; deleting it later")
                    result.pending = "\(key) still has connections"
                } else {
                    logger.warning("\(error)")
                    result.pending = "\(error)"
                }
            }
        }
        return result
    }
}

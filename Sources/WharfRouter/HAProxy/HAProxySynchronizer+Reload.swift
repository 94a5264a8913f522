extension HAProxySynchronizer {
    /// Starts the managed HAProxy on a validated `text` and waits until its runtime API answers.
    func startManaged(text: String, layout: HAProxyLayout) async throws {
        if loaded != nil { logger.error("HAProxy (started by this command) is not running; starting it again") }
        loaded = nil
        try await writeValidated(text)
        try await control.start()
        try await waitForWorker(other: nil, what: "HAProxy to start")
        loaded = layout
        lastReload = .now
        logger.info("started HAProxy on \(configuration.configPath)")
    }

    /// Writes `text` (validated) and reloads HAProxy, then waits for a new worker. On a rejected
    /// config the running one is kept and the text is remembered, so it is not retried in a loop.
    func reload(text: String, layout: HAProxyLayout) async throws {
        do {
            try await writeValidated(text)
        } catch let error as HAProxyControlError {
            if case .invalidConfig = error { rejectedText = text }
            throw error
        }
        let oldWorker = try? await runtime.workerPid()
        lastReload = .now
        try await control.reload()
        try await waitForWorker(other: oldWorker, what: "a new HAProxy worker after the reload")
        loaded = layout
        reloadCount += 1
        logger.info("HAProxy reloaded", metadata: ["reloads": "\(reloadCount)", "config": "\(configuration.configPath)"])
    }

    /// Polls `show info` until a worker other than `other` answers.
    private func waitForWorker(other: Int32?, what: String) async throws {
        let deadline = ContinuousClock.now + configuration.reloadTimeout
        var lastError = "no answer"
        while ContinuousClock.now < deadline {
            do {
                if try await runtime.workerPid() != other { return }
                lastError = "the old worker \(other ?? 0) still answers"
            } catch {
                lastError = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HAProxyControlError.reloadFailed("waited \(configuration.reloadTimeout) for \(what): \(lastError); see HAProxy's log")
    }

    /// Writes `text` over the config after `haproxy -c` accepted it.
    func writeValidated(_ text: String) async throws {
        let control = control
        try await HAProxyConfigFile.replace(configuration.configPath, with: text) { try await control.validate($0) }
    }

    /// Writes `text` over the config when it differs from what is there, so that a reload by anyone
    /// (systemd, an operator) brings back the current servers. Not validated: only server lines differ
    /// from a validated file.
    func writeIfChanged(_ text: String) async throws {
        if HAProxyConfigFile.read(configuration.configPath) == text { return }
        try await HAProxyConfigFile.replace(configuration.configPath, with: text)
    }
}

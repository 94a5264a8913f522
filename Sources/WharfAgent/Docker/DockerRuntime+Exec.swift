import NIOCore

extension DockerRuntime {
    /// Runs a COMMAND health check inside the task's container (`docker exec <id> /bin/sh -c
    /// <command>`, with the container's own environment): healthy on exit code 0. The attempt is
    /// abandoned after `timeout`; what the command left running in the container is not killed (the
    /// Engine has no call for that), as with `docker exec`.
    func runCheck(containerId: String, command: String, timeout: Duration) async -> ProbeOutcome {
        guard let engine else { return .failure("no Docker engine at \(socketPath)") }
        return await Self.runCheck(engine: engine, containerId: containerId, command: command, timeout: timeout)
    }

    private static func runCheck(
        engine: DockerEngine, containerId: String, command: String, timeout: Duration
    ) async -> ProbeOutcome {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        var output = CommandProbe.OutputTail(limit: CommandProbe.outputLimit)
        let execId: String
        do {
            execId = try await engine.createExec(containerId, command: ["/bin/sh", "-c", command], environment: nil)
            let response = try await engine.startExec(execId, deadline: deadline)
            var demultiplexer = DockerStreamDemultiplexer(raw: false)
            for try await chunk in response.body {
                for (_, payload) in demultiplexer.feed(chunk) {
                    output.append(ArraySlice(payload.readableBytesView))
                }
            }
        } catch {
            if NIODeadline.now() >= deadline || Task.isCancelled {
                return .failure(ProbeFailure.timedOut(after: timeout).cause)
            }
            return .failure("\(error)")
        }
        do {
            let state = try await engine.inspectExec(execId)
            guard let code = state.ExitCode, !state.Running else {
                return .failure(ProbeFailure.timedOut(after: timeout).cause)
            }
            if code == 0 { return .success }
            let line = output.lastLine
            return .failure("exit code \(code)" + (line.isEmpty ? "" : ": \(line)"))
        } catch {
            return .failure("\(error)")
        }
    }
}

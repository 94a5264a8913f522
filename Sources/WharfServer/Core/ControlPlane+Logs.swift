import WharfModel

extension ControlPlane {
    /// Reads `request` from the agent that holds the task's output: the agent of its instance when
    /// the task is current, otherwise (an ended task, or one this server has not seen since it
    /// started) whichever agent has its sandbox — the instance's agent first, then every other.
    /// Returns the agent's reply and the agent, so that a follow keeps reading there (through
    /// `link` directly, without this actor).
    func readTaskLog(_ request: TaskLogRequest) async -> (TaskLogReply, agentId: String?) {
        let instanceId = Instance.instanceId(fromTaskId: request.taskId)
        let instance = state.instances[instanceId]
        var candidates: [String] = []
        if let instance { candidates.append(instance.agentId) }
        candidates += state.agents.keys.sorted().filter { $0 != instance?.agentId }
        var failure: TaskLogReply?
        for agentId in candidates {
            let reply = await link.readTaskLog(request, on: agentId)
            switch reply {
            case .chunk: return (reply, agentId)
            case .notFound: continue
            case .failed:
                // The instance's own agent is the one that matters; others that cannot be asked
                // only matter when nobody has the task.
                if failure == nil || agentId == instance?.agentId { failure = reply }
            }
        }
        if let failure { return (failure, nil) }
        return (.notFound("Task '\(request.taskId)' does not exist"), nil)
    }
}

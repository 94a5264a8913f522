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

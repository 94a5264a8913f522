import Foundation
import WharfModel

/// A task record the agent cannot read — damaged, or written by a newer Wharf — kept in the
/// quarantine directory instead of being deleted. The task it describes may still run: the agent
/// neither adopts nor kills it, its start-up sweeps spare it, and it is reported TASK_UNREACHABLE so
/// that the control plane neither replaces it nor asks for a kill the agent could not carry out.
struct UnreadableTaskRecord: Sendable, Hashable {
    /// The instance, from the record's file name (`<instanceId>.json`).
    var instanceId: String
    /// Where the record is kept now.
    var path: String
    /// Why it cannot be read.
    var reason: String
    /// Identifying fields read tolerantly from the record when it is JSON at all, so that the sweeps
    /// can spare the task's process or container even if its environment or labels were lost.
    var pid: Int32?
    var containerId: String?

    init(instanceId: String, path: String, reason: String, data: Data?) {
        self.instanceId = instanceId
        self.path = path
        self.reason = reason
        let object = data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        let handle = object?["handle"] as? [String: Any]
        pid = (handle?["pid"] as? NSNumber).flatMap { Int32(exactly: $0.doubleValue) }
        containerId = handle?["containerId"] as? String
    }

    /// What the agent reports for the task, as long as the record stays unreadable.
    var status: TaskStatus {
        TaskStatus(
            instanceId: instanceId, incarnation: 0, state: .unreachable,
            message: "the agent cannot read the task's record \(path) (\(reason)); the task is left running, "
                + "unsupervised: run a wharf that reads the record and restart, or stop the task and delete the file",
            timestamp: .now(), reason: .unreadableRecord)
    }
}

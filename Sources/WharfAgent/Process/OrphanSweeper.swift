import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds task processes that an earlier agent on the same data directory started but never
/// recorded (it was killed between spawning a task and persisting its record) and kills them, so
/// that no instance runs twice and nothing is left behind.
///
/// Task processes are recognised by their environment: every task gets `MESOS_SANDBOX` pointing
/// below `<dataDir>/sandboxes/`, so processes of other wharfs (other data dirs) are never touched.
enum OrphanSweeper {
    /// A live process that belongs to a task of this agent.
    struct TaskProcess: Equatable {
        var pid: Int32
        var taskId: String
    }

    /// Processes whose `MESOS_SANDBOX` lies under `sandboxRoot`, with their `MESOS_TASK_ID`.
    static func taskProcesses(sandboxRoot: String) -> [TaskProcess] {
        let prefix = "MESOS_SANDBOX=" + (sandboxRoot.hasSuffix("/") ? sandboxRoot : sandboxRoot + "/")
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let ownPid = getpid()
        var found: [TaskProcess] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != ownPid,
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
            else { continue }
            var sandbox = false
            var taskId: String?
            for variable in environ.split(separator: 0) {
                guard let text = String(bytes: variable, encoding: .utf8) else { continue }
                if text.hasPrefix(prefix) { sandbox = true }
                if text.hasPrefix("MESOS_TASK_ID=") { taskId = String(text.dropFirst("MESOS_TASK_ID=".count)) }
            }
            if sandbox, let taskId { found.append(TaskProcess(pid: pid, taskId: taskId)) }
        }
        return found
    }

    /// Kills (SIGKILL, with their process groups) every task process under `sandboxRoot` that `keep`
    /// does not claim. Returns the task ids that had processes killed.
    @discardableResult
    static func killUnknown(sandboxRoot: String, keep: (TaskProcess) -> Bool) -> Set<String> {
        var killed: Set<String> = []
        for process in taskProcesses(sandboxRoot: sandboxRoot) where !keep(process) {
            let group = getpgid(process.pid)
            if group > 1 { _ = Glibc.kill(-group, SIGKILL) }
            _ = Glibc.kill(process.pid, SIGKILL)
            killed.insert(process.taskId)
        }
        return killed
    }
}

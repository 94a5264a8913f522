import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A live (non-zombie) process started by wharf for a task, found through its environment.
struct TaskProcess: Sendable, Hashable {
    var pid: Int32
    var taskId: String
    var appId: String
    var sandbox: String
}

/// Reads `/proc` to find task processes by the variables wharf puts in their environment
/// (`MESOS_TASK_ID`, `MESOS_SANDBOX`, `MARATHON_APP_ID`). Zombies are not counted: they run nothing.
enum ProcessTable {
    /// All live task processes whose `MESOS_SANDBOX` lies under `dataDir`.
    static func tasks(under dataDir: String) -> [TaskProcess] {
        let prefix = dataDir.hasSuffix("/") ? dataDir : dataDir + "/"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [TaskProcess] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(), isAlive(pid) else { continue }
            let environment = environment(of: pid)
            guard let sandbox = environment["MESOS_SANDBOX"], sandbox.hasPrefix(prefix) || sandbox == dataDir else { continue }
            found.append(TaskProcess(
                pid: pid, taskId: environment["MESOS_TASK_ID"] ?? "", appId: environment["MARATHON_APP_ID"] ?? "",
                sandbox: sandbox
            ))
        }
        return found
    }

    /// Distinct task ids among the live processes of `appId` under `dataDir`.
    static func liveTaskIds(under dataDir: String, app appId: String) -> Set<String> {
        Set(tasks(under: dataDir).filter { $0.appId == appId }.map(\.taskId))
    }

    /// Whether `pid` exists and is not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != nil && state != "Z" && state != "X"
    }

    /// The environment of `pid` (empty when unreadable).
    static func environment(of pid: Int32) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
        var result: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return result
    }

    /// SIGKILLs every task process under `dataDir` (cleanup after a test) and returns what it found.
    /// Also removes, best effort, the emptied cgroups wharf made for those tasks (`<hierarchy>/wharf/<taskId>`).
    @discardableResult
    static func killAll(under dataDir: String) -> [TaskProcess] {
        let found = tasks(under: dataDir)
        for process in found { kill(process.pid, SIGKILL) }
        let taskIds = Set(found.map(\.taskId)).filter { !$0.isEmpty && !$0.contains("/") }
        guard !taskIds.isEmpty else { return found }
        let root = "/sys/fs/cgroup"
        let hierarchies = [root] + ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).map { root + "/" + $0 }
        for hierarchy in hierarchies {
            for taskId in taskIds {
                let directory = "\(hierarchy)/wharf/\(taskId)"
                // A cgroup goes away with rmdir once its processes are gone; retry briefly while they die.
                for _ in 0..<50 where FileManager.default.fileExists(atPath: directory) {
                    if rmdir(directory) == 0 || errno != EBUSY { break }
                    usleep(20_000)
                }
            }
        }
        return found
    }
}

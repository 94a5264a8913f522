import Foundation

/// A task process with what a duplicate report needs, read from `/proc` in one pass.
struct TaskProcessDetail: Sendable, Hashable, CustomStringConvertible {
    var pid: Int32
    var parent: Int32
    var taskId: String
    var command: String
    /// Start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    var startTicks: UInt64

    var description: String { "pid \(pid) (parent \(parent), started at tick \(startTicks)) \(command)" }
}

extension ProcessTable {
    /// The task processes under `dataDir` with their parents and commands; processes that exit
    /// during the scan are left out.
    static func details(under dataDir: String) -> [TaskProcessDetail] {
        tasks(under: dataDir).compactMap { process in
            guard let stat = try? String(contentsOfFile: "/proc/\(process.pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is the state (field 3), so field n is fields[n - 3].
            guard fields.count > 19, let parent = Int32(fields[1]), let start = UInt64(fields[19]) else { return nil }
            let command = FileManager.default.contents(atPath: "/proc/\(process.pid)/cmdline")
                .map { String(decoding: $0.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self) } ?? ""
            return TaskProcessDetail(pid: process.pid, parent: parent, taskId: process.taskId,
                                     command: command.trimmingCharacters(in: .whitespaces), startTicks: start)
        }
    }

    /// For each task id under `dataDir`, its processes whose parent is not a process of the same
    /// task: the roots of its process trees. One launch gives one root; more mean the task was
    /// started more than once. Exiting processes (an empty command line: the kernel has already
    /// released their memory) are left out, since a tree that is being torn down runs nothing.
    static func processTreeRoots(under dataDir: String) -> [String: [TaskProcessDetail]] {
        let processes = details(under: dataDir).filter { !$0.command.isEmpty }
        var pidsByTask: [String: Set<Int32>] = [:]
        for process in processes { pidsByTask[process.taskId, default: []].insert(process.pid) }
        var roots: [String: [TaskProcessDetail]] = [:]
        for process in processes where !(pidsByTask[process.taskId]?.contains(process.parent) ?? false) {
            roots[process.taskId, default: []].append(process)
        }
        return roots
    }
}

import Foundation
import Glibc
import WharfModel

/// Removes the sandboxes of ended tasks, as Mesos' `--gc_delay` does: once `retentionSeconds` passed
/// since a sandbox was last written, or when its app has more than `perApp` newer ended ones. Until
/// then an ended task's output stays readable through the log API.
///
/// Only `<root>/<app>/<taskId>` directories named like task ids are considered, and never one of a
/// task in `keep` or of an instance in `keepInstances`, nor one whose output is still being written.
enum SandboxCollector {
    /// One ended task's sandbox.
    struct Sandbox: Equatable {
        var path: String
        var taskId: String
        /// When anything in it was last written (seconds since the epoch).
        var lastWritten: Double
    }

    /// Removes what is due below `root` (only in the directories of `apps` when given) and returns
    /// the paths removed.
    static func sweep(root: String, apps: [String]? = nil, keep: Set<String>, keepInstances: Set<String> = [],
                      isLive: (String) -> Bool = { _ in false }, now: Double, retentionSeconds: Double, perApp: Int) -> [String] {
        var removed: [String] = []
        for app in apps ?? entries(of: root) {
            let appPath = root + "/" + app
            let ended = entries(of: appPath)
                .filter { isTaskId($0) && !keep.contains($0) && !keepInstances.contains(Instance.instanceId(fromTaskId: $0)) && !isLive($0) }
                .map { Sandbox(path: appPath + "/" + $0, taskId: $0, lastWritten: lastWritten(appPath + "/" + $0)) }
            for sandbox in due(ended, now: now, retentionSeconds: retentionSeconds, perApp: perApp) {
                if (try? FileManager.default.removeItem(atPath: sandbox.path)) != nil { removed.append(sandbox.path) }
            }
            // An app directory left empty goes too (a later task of the app creates it again).
            if entries(of: appPath).isEmpty { rmdir(appPath) }
        }
        return removed
    }

    /// The sandboxes of `ended` to remove: older than the retention, or beyond the newest `perApp`.
    static func due(_ ended: [Sandbox], now: Double, retentionSeconds: Double, perApp: Int) -> [Sandbox] {
        let newestFirst = ended.sorted { ($0.lastWritten, $0.taskId) > ($1.lastWritten, $1.taskId) }
        return newestFirst.enumerated().filter { index, sandbox in
            index >= perApp || now - sandbox.lastWritten > retentionSeconds
        }.map(\.element)
    }

    /// Whether a directory name is a task id (other directories are not the collector's).
    static func isTaskId(_ name: String) -> Bool {
        TaskLogRequest.isSafeTaskId(name) && Instance.appId(fromInstanceOrTaskId: name) != nil
    }

    /// The latest modification time of the directory and the files directly in it.
    static func lastWritten(_ directory: String) -> Double {
        var latest = modified(directory)
        for name in entries(of: directory) { latest = max(latest, modified(directory + "/" + name)) }
        return latest
    }

    private static func modified(_ path: String) -> Double {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    private static func entries(of directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }
}

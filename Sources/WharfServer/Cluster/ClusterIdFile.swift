import Foundation

/// The cluster an agent belongs to (`<data-dir>/cluster-id`): the id of the first HA cluster that
/// welcomed it. A server of another cluster — another etcd prefix or etcd — is refused, so that an
/// agent given the servers of two clusters does not run tasks for both.
final class ClusterIdFile: Sendable {
    private let path: String?
    private let id: LockedValue<String>

    /// The id kept in `path` (nil: in memory only); empty until a cluster welcomes the agent.
    init(path: String?) throws {
        self.path = path
        var stored = ""
        if let path, FileManager.default.fileExists(atPath: path) {
            stored = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        id = LockedValue(stored)
    }

    /// The cluster's id, empty while none.
    var current: String { id.withLock { $0 } }

    /// Whether a server of cluster `clusterId` may command this agent: yes for a server that names
    /// none (a single `wharf server`), for the agent's own cluster, and for the first cluster it
    /// meets (then written to disk).
    func admit(_ clusterId: String) throws -> Bool {
        guard !clusterId.isEmpty else { return true }
        return try id.withLock { id in
            if id == clusterId { return true }
            guard id.isEmpty else { return false }
            if let path { try Data("\(clusterId)\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic) }
            id = clusterId
            return true
        }
    }
}

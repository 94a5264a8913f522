import Foundation
import Logging

/// The agent's crash-safe task records: one JSON file per instance in
/// `<dataDir>/agent/tasks/<instanceId>.json`, replaced atomically (temporary file, rename).
///
/// Records are not fsynced, on purpose: they describe running processes, and what kills the page
/// cache (a power cut, a kernel crash) kills those processes too, so a record lost that way has
/// nothing left to adopt. What they must survive is the crash of wharf itself, and a renamed file
/// does. Should the agent die before a record is written, the start-up sweep kills the unrecorded
/// process (`OrphanSweeper`). Skipping two fsyncs per launch takes them off the launch path.
struct TaskRecordStore: Sendable {
    let directory: String
    /// Serialises writes and removals, so that a removal submitted after a save is never overtaken
    /// by it (which would resurrect the record of an ended task).
    private let queue = DispatchQueue(label: "wharf.agent.task-records")

    init(directory: String) {
        self.directory = directory
    }

    /// Stores `record`, replacing an earlier one of the same instance. Survives a crash of this
    /// process once it returns.
    func save(_ record: TaskRecord) async throws {
        let data = try JSONEncoder().encode(record)
        let path = try path(for: record.instanceId)
        let directory = self.directory
        try await BlockingIO.run(on: queue) { () throws -> Void in
            let code = FileIO.makeDirectories(directory)
            guard code == 0 else { throw FileIOError(step: "mkdir \(directory)", errno: code) }
            try FileIO.writeAtomically(Array(data), to: path)
        }
    }

    /// Removes the record of `instanceId`, if any.
    func delete(instanceId: String) async throws {
        let path = try path(for: instanceId)
        try await BlockingIO.run(on: queue) { () throws -> Void in try FileIO.remove(path) }
    }

    /// Every readable record. Unreadable files and leftover temporary files are removed (and
    /// logged): a half-written record never belonged to a task that was reported RUNNING.
    func loadAll(logger: Logger) async -> [TaskRecord] {
        let directory = self.directory
        let files = await BlockingIO.run { () -> [(String, Data?)] in
            FileIO.listDirectory(directory).sorted().map { name in
                let path = directory + "/" + name
                return (path, name.hasSuffix(".json") ? FileManager.default.contents(atPath: path) : nil)
            }
        }
        var records: [TaskRecord] = []
        for (path, data) in files {
            if let data, let record = try? JSONDecoder().decode(TaskRecord.self, from: data) {
                records.append(record)
                continue
            }
            logger.warning("removing unreadable task record", metadata: ["path": "\(path)"])
            try? await BlockingIO.run { () throws -> Void in try FileIO.remove(path) }
        }
        return records
    }

    private func path(for instanceId: String) throws -> String {
        guard !instanceId.isEmpty, !instanceId.contains("/"), !instanceId.hasPrefix(".") else {
            throw FileIOError(step: "task record name \(instanceId)", errno: EINVAL)
        }
        return "\(directory)/\(instanceId).json"
    }
}

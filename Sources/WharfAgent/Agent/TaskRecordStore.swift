import Foundation
import Logging
import WharfModel

/// The agent's crash-safe task records: one JSON file per instance in
/// `<dataDir>/agent/tasks/<instanceId>.json`, replaced atomically (temporary file, rename), each
/// carrying the record schema version (``RecordSchema``).
///
/// Records are not fsynced, on purpose: they describe running processes, and what kills the page
/// cache (a power cut, a kernel crash) kills those processes too, so a record lost that way has
/// nothing left to adopt. What they must survive is the crash of wharf itself, and a renamed file
/// does. Should the agent die before a record is written, the start-up sweep kills the unrecorded
/// process (`OrphanSweeper`). Skipping two fsyncs per launch takes them off the launch path.
///
/// A record that cannot be read (damaged, or written by a newer wharf) is never deleted: it is moved
/// to the quarantine directory (`<dataDir>/agent/tasks-quarantine/`), and its task is left alone
/// (``UnreadableTaskRecord``). Every start tries the quarantined records again and moves back the
/// ones that read now (after an upgrade of wharf, or a restored file).
struct TaskRecordStore: Sendable {
    let directory: String
    let quarantineDirectory: String
    /// Serialises writes and removals, so that a removal submitted after a save is never overtaken
    /// by it (which would resurrect the record of an ended task).
    private let queue = DispatchQueue(label: "wharf.agent.task-records")

    init(directory: String, quarantineDirectory: String) {
        self.directory = directory
        self.quarantineDirectory = quarantineDirectory
    }

    /// Stores `record`, replacing an earlier one of the same instance. Survives a crash of this
    /// process once it returns.
    func save(_ record: TaskRecord) async throws {
        let data = try RecordSchema.encode(record)
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

    /// Every record, readable or not. Leftover temporary files are removed: a half-written record
    /// never belonged to a task that was reported RUNNING (its previous version, if any, is intact).
    func loadAll(logger: Logger) async -> TaskRecordScan {
        let (directory, quarantine) = (self.directory, quarantineDirectory)
        do {
            return try await BlockingIO.run(on: queue) { () -> TaskRecordScan in
                var scan = TaskRecordScan()
                Self.retryQuarantined(in: quarantine, movingTo: directory, into: &scan, logger: logger)
                guard let names = Self.entries(of: directory, into: &scan, logger: logger) else { return scan }
                for name in names {
                    let path = directory + "/" + name
                    if name.hasSuffix(".json.tmp") {
                        do {
                            try FileIO.remove(path)
                        } catch {
                            logger.warning("cannot remove a leftover temporary task record", metadata: ["path": "\(path)", "error": "\(error)"])
                        }
                        continue
                    }
                    guard name.hasSuffix(".json") else { continue }
                    let (record, data, reason) = Self.read(path)
                    if let record {
                        scan.records.append(record)
                        continue
                    }
                    let kept = Self.moveAside(path, name: name, to: quarantine, logger: logger)
                    scan.unreadable.append(UnreadableTaskRecord(
                        instanceId: String(name.dropLast(".json".count)), path: kept, reason: reason, data: data))
                }
                return scan
            }
        } catch {
            logger.error("cannot read the task records; no unrecorded task will be swept", metadata: ["error": "\(error)"])
            return TaskRecordScan(complete: false)
        }
    }

    /// Moves the quarantined records that read now back to `directory`; notes the others.
    private static func retryQuarantined(in quarantine: String, movingTo directory: String, into scan: inout TaskRecordScan,
                                         logger: Logger) {
        guard let names = entries(of: quarantine, into: &scan, logger: logger) else { return }
        for name in names where name.hasSuffix(".json") {
            let path = quarantine + "/" + name
            let (record, data, reason) = Self.read(path)
            let instanceId = String(name.dropLast(".json".count))
            guard record != nil else {
                scan.unreadable.append(UnreadableTaskRecord(instanceId: instanceId, path: path, reason: reason, data: data))
                continue
            }
            let target = directory + "/" + name
            // A record of the same instance in `directory` is newer than the quarantined one: keep both
            // where they are; the quarantined one is read again at the next start.
            guard access(target, F_OK) != 0 else { continue }
            let code = FileIO.makeDirectories(directory)
            if code == 0, rename(path, target) == 0 {
                logger.info("task record readable again, restored from quarantine", metadata: ["path": "\(target)"])
            } else {
                let error = FileIOError(step: "rename \(path) to \(target)", errno: code == 0 ? errno : code)
                scan.unreadable.append(UnreadableTaskRecord(
                    instanceId: instanceId, path: path, reason: "readable, but cannot be moved back: \(error)", data: data))
            }
        }
    }

    /// The names in `directory`, sorted; nil (and the scan marked incomplete) when it exists but
    /// cannot be listed.
    private static func entries(of directory: String, into scan: inout TaskRecordScan, logger: Logger) -> [String]? {
        do throws(FileIOError) {
            return try FileIO.entries(of: directory).sorted()
        } catch {
            logger.error("cannot list task records; no unrecorded task will be swept", metadata: ["error": "\(error)"])
            scan.complete = false
            return nil
        }
    }

    /// The record at `path`, or the file's bytes (if any) and why it cannot be read.
    private static func read(_ path: String) -> (TaskRecord?, Data?, String) {
        guard let data = FileManager.default.contents(atPath: path) else { return (nil, nil, "the file cannot be read") }
        do throws(RecordReadError) {
            return (try RecordSchema.decode(TaskRecord.self, from: data), data, "")
        } catch {
            return (nil, data, error.description)
        }
    }

    /// Moves the unreadable record at `path` into `quarantine`; returns where it is now (`path` when
    /// it cannot be moved: it is then left in place, and its task alone all the same).
    private static func moveAside(_ path: String, name: String, to quarantine: String, logger: Logger) -> String {
        let target = quarantine + "/" + name
        let code = FileIO.makeDirectories(quarantine)
        guard code == 0, rename(path, target) == 0 else {
            let error = FileIOError(step: "rename \(path) to \(target)", errno: code == 0 ? errno : code)
            logger.error("cannot move an unreadable task record aside; left in place", metadata: ["path": "\(path)", "error": "\(error)"])
            return path
        }
        return target
    }

    private func path(for instanceId: String) throws -> String {
        guard !instanceId.isEmpty, !instanceId.contains("/"), !instanceId.hasPrefix(".") else {
            throw FileIOError(step: "task record name \(instanceId)", errno: EINVAL)
        }
        return "\(directory)/\(instanceId).json"
    }
}

/// What ``TaskRecordStore/loadAll(logger:)`` found.
struct TaskRecordScan: Sendable {
    /// The records that read, including ones restored from quarantine.
    var records: [TaskRecord] = []
    /// The records that do not, kept in (or, when that failed, left outside) the quarantine directory.
    var unreadable: [UnreadableTaskRecord] = []
    /// False when the record directory could not be listed: which tasks are recorded is unknown, so
    /// no unrecorded process or container may be swept.
    var complete = true
}

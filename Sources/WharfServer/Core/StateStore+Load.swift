import Foundation
import HashTreeCollections
import WharfModel
import WharfStore

/// Everything the control plane keeps, read back at start-up.
struct LoadedState {
    var state = ClusterState()
    var versions: TreeDictionary<PathId, [Timestamp]> = [:]
}

/// The control plane does not start: records in the store were written by a newer Wharf. Nothing was
/// changed and no task was touched.
public struct NewerRecordsError: Error, CustomStringConvertible {
    /// The keys and schema versions found, in key order.
    public var records: [(key: String, version: Int)]

    public var description: String {
        let first = records[0]
        let more = records.dropFirst()
        return "record \(first.key) has schema version \(first.version); this wharf reads up to \(RecordSchema.current)"
            + (more.isEmpty ? "" : " (so do \(more.count) more: \(more.prefix(5).map(\.key).joined(separator: ", "))\(more.count > 5 ? ", ..." : ""))")
            + ". The state was written by a newer wharf: run that version or a newer one on this data dir, "
            + "or restore the data dir from a backup taken with this version. Nothing was changed; running tasks were left alone."
    }
}

extension StateStore {
    /// Reads every record into memory.
    ///
    /// A record written by a newer Wharf stops the start (`NewerRecordsError`, naming the keys): this
    /// binary cannot know what it means. A record that cannot be read otherwise (damaged) is left in
    /// the store and noted in `state.quarantine`, together with the apps it concerns, which the control
    /// plane then leaves alone. Nothing unreadable is ever deleted here.
    func loadClusterState() async throws -> LoadedState {
        var loaded = LoadedState()
        var reader = RecordReader()
        for record in try await list(prefix: StateKeys.appsPrefix + "/") {
            let id = PathId(String(record.key.dropFirst(StateKeys.appsPrefix.count)))
            guard let stored = reader.read(StoredApp.self, record, apps: [id]) else { continue }
            let app = stored.definition
            guard app.id == id else {
                reader.quarantine.add(record.key, reason: "it holds app \(app.id)", apps: [id])
                continue
            }
            loaded.state.setApp(id, app)
            loaded.versions[id] = stored.versions ?? [stored.version]
        }
        for record in try await list(prefix: StateKeys.deploymentsPrefix) {
            // A deployment whose apps cannot even be named might touch any of them: all are left alone.
            var touched = StateKeys.appIds(inDeployment: record.value)
            if touched.isEmpty { touched = Array(Set(loaded.state.apps.keys).union(reader.quarantine.apps.keys)).sorted() }
            guard let stored = reader.read(StoredDeployment.self, record, apps: touched) else { continue }
            let deployment = stored.deployment
            loaded.state.deployments[deployment.id] = deployment
        }
        for record in try await list(prefix: StateKeys.instancesPrefix) {
            let id = String(record.key.dropFirst(StateKeys.instancesPrefix.count))
            let app = Instance.appId(fromInstanceOrTaskId: id)
            guard let instance = reader.read(Instance.self, record, apps: app.map { [$0] } ?? []) else {
                reader.quarantine.instanceIds.insert(id)
                continue
            }
            loaded.state.upsert(instance)
        }
        for record in try await list(prefix: StateKeys.groupsPrefix + "/") {
            guard let group = reader.read(GroupRecord.self, record, apps: []) else { continue }
            loaded.state.groups[group.id] = group
        }
        for record in try await list(prefix: StateKeys.failuresPrefix + "/") {
            guard let failure = reader.read(TaskFailure.self, record, apps: []) else { continue }
            if loaded.state.apps[failure.appId] != nil { loaded.state.lastTaskFailures[failure.appId] = failure }
        }
        for record in try await list(prefix: StateKeys.drainsPrefix) {
            guard let drain = reader.read(AgentDrain.self, record, apps: []) else { continue }
            loaded.state.drains[drain.agentId] = drain
        }
        if let record = try await get(StateKeys.rootVersion), let root = reader.read(StoredRootVersion.self, record, apps: []) {
            loaded.state.rootVersion = root.rootVersion
        }
        if !reader.newer.isEmpty { throw NewerRecordsError(records: reader.newer) }
        loaded.state.quarantine = reader.quarantine
        return loaded
    }
}

/// Decodes stored records one by one, sorting out the ones that cannot be read.
private struct RecordReader {
    var quarantine = Quarantine()
    var newer: [(key: String, version: Int)] = []

    /// `record`'s value, or nil when it cannot be read: then noted as newer (stops the start) or as
    /// unreadable, quarantining `apps`.
    mutating func read<Record: VersionedRecord>(_ type: Record.Type, _ record: StoredValue, apps: [PathId]) -> Record? {
        do throws(RecordReadError) {
            return try StoredJSON.decode(type, record.value)
        } catch {
            if case let .newerSchema(found, _) = error {
                newer.append((record.key, found))
            } else {
                quarantine.add(record.key, reason: error.description, apps: apps)
            }
            return nil
        }
    }
}

extension StateKeys {
    /// The apps a stored deployment names, read tolerantly from a record that does not decode: the
    /// apps of its steps' actions. Empty when even that cannot be read.
    static func appIds(inDeployment data: Data) -> [PathId] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let steps = object["steps"] as? [[String: Any]]
        else { return [] }
        var ids: Set<PathId> = []
        for step in steps {
            for action in step["actions"] as? [[String: Any]] ?? [] {
                if let app = action["app"] as? String, app.hasPrefix("/") { ids.insert(PathId(app)) }
            }
        }
        return ids.sorted()
    }
}

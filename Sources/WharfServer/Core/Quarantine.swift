import WharfModel

/// Stored records the control plane could not read at start-up (damaged, or not in a shape this
/// Wharf reads), and the apps it therefore leaves alone. The records stay in the store untouched.
///
/// An app is quarantined when its own record, a record of one of its instances, or a deployment
/// touching it cannot be read. Wharf then neither kills, replaces, scales nor upgrades its
/// instances (they keep running, and keep being supervised and routed as far as their definition is
/// known), and refuses deployments that touch it until the user overrides with
/// `/v2/apps/{id}?force=true`, which replaces or removes the app and forgets its unreadable records.
public struct Quarantine: Sendable {
    /// Why each unreadable key could not be read, by key.
    public var records: [String: String] = [:]
    /// Quarantined apps, with the keys of the unreadable records that put them there.
    public var apps: [PathId: [String]] = [:]
    /// Instances whose own record is unreadable: when their agent reports them, they are left running.
    public var instanceIds: Set<String> = []

    public init() {}

    /// Whether every stored record was read.
    public var isEmpty: Bool { records.isEmpty }

    /// The key under which an agent's unreadable record of a task is listed (it is not a store key).
    static func agentRecordKey(agentId: String, instanceId: String) -> String {
        "agent \(agentId): task record \(instanceId)"
    }

    /// Whether `key` names a store record (not an agent's record of a task).
    static func isStoreKey(_ key: String) -> Bool { !key.hasPrefix("agent ") }

    /// Notes `key` as unreadable for `reason`, quarantining `apps`.
    mutating func add(_ key: String, reason: String, apps: [PathId]) {
        records[key] = reason
        for app in apps where !(self.apps[app]?.contains(key) ?? false) {
            self.apps[app, default: []].append(key)
        }
    }

    /// Forgets `keys` (deleted from the store): apps quarantined only by them are free again.
    mutating func forget(_ keys: Set<String>) {
        for key in keys {
            records[key] = nil
            if key.hasPrefix(StateKeys.instancesPrefix) { instanceIds.remove(String(key.dropFirst(StateKeys.instancesPrefix.count))) }
        }
        for (app, appKeys) in apps {
            let left = appKeys.filter { !keys.contains($0) }
            apps[app] = left.isEmpty ? nil : left
        }
    }

    /// Whether `instanceId` (or the app it belongs to) is under quarantine: a report of it must not
    /// be answered with a kill.
    func protects(instanceId: String) -> Bool {
        if instanceIds.contains(instanceId) { return true }
        guard let app = Instance.appId(fromInstanceOrTaskId: instanceId) else { return false }
        return apps[app] != nil
    }

    /// What a user is told about quarantined `app`: which records are unreadable and why, what Wharf
    /// does meanwhile, and how to recover. Nil when the app is not quarantined.
    public func explanation(for app: PathId) -> String? {
        guard let keys = apps[app] else { return nil }
        let unreadable = keys.sorted().map { "\($0) (\(records[$0] ?? "unreadable"))" }.joined(separator: ", ")
        return "App '\(app)' is quarantined: stored record\(keys.count == 1 ? "" : "s") \(unreadable) cannot be read. "
            + "Wharf leaves its tasks running and neither kills, replaces, scales nor upgrades them. "
            + "To recover, run a wharf that reads the record or restore the data dir from a backup, then restart; "
            + "or replace the app with PUT /v2/apps\(app)?force=true (a full definition), "
            + "or remove it and its tasks with DELETE /v2/apps\(app)?force=true."
    }

    /// A one-line summary for `/v2/info` and the log; nil when nothing is quarantined.
    public var summary: String? {
        guard !records.isEmpty else { return nil }
        let apps = self.apps.keys.sorted().map(\.description)
        return "\(records.count) unreadable state record\(records.count == 1 ? "" : "s") ("
            + records.keys.sorted().prefix(5).joined(separator: ", ") + (records.count > 5 ? ", ..." : "") + ")"
            + (apps.isEmpty ? "" : "; quarantined apps: " + apps.joined(separator: ", "))
    }
}

import Foundation
import WharfModel
import WharfStore

/// How the control plane's records are laid out in the `StateStore`, and their encoding.
///
/// Keys: `apps/<id>` (current definition + version list), `versions/<id>@<millis>` (every kept
/// version), `deployments/<uuid>`, `instances/<instance id>`, `groups/<id>`, `meta/root-version`.
enum StateKeys {
    static let appsPrefix = "apps"
    static let versionsPrefix = "versions"
    static let deploymentsPrefix = "deployments/"
    static let instancesPrefix = "instances/"
    static let groupsPrefix = "groups"
    static let rootVersion = "meta/root-version"
    static let failuresPrefix = "failures"

    static func app(_ id: PathId) -> String { appsPrefix + id.description }
    static func versions(of id: PathId) -> String { versionsPrefix + id.description + "@" }
    static func version(_ id: PathId, _ version: Timestamp) -> String {
        let digits = String(version.millis)
        return versions(of: id) + String(repeating: "0", count: max(0, 15 - digits.count)) + digits
    }
    static func deployment(_ id: String) -> String { deploymentsPrefix + id }
    static func instance(_ id: String) -> String { instancesPrefix + id }
    static func group(_ id: PathId) -> String { groupsPrefix + id.description }
    static func failure(_ id: PathId) -> String { failuresPrefix + id.description }
}

/// An app definition as stored, with the server-assigned version fields kept explicitly (the
/// Marathon JSON codec treats them as read-only output).
struct StoredApp: Codable {
    var app: AppDefinition
    var version: Timestamp
    var lastScalingAt: Timestamp
    var lastConfigChangeAt: Timestamp
    /// Every kept version of the app, newest first (only on the `apps/<id>` record).
    var versions: [Timestamp]?

    init(_ app: AppDefinition, versions: [Timestamp]? = nil) {
        self.app = app
        self.version = app.version ?? Timestamp(millis: 0)
        self.lastScalingAt = app.versionInfo?.lastScalingAt ?? self.version
        self.lastConfigChangeAt = app.versionInfo?.lastConfigChangeAt ?? self.version
        self.versions = versions
    }

    /// The definition with its version fields restored.
    var definition: AppDefinition {
        var app = app
        app.version = version
        app.versionInfo = VersionInfo(lastScalingAt: lastScalingAt, lastConfigChangeAt: lastConfigChangeAt)
        return app
    }
}

/// A deployment as stored: definitions go through `StoredApp` so versions survive.
struct StoredDeployment: Codable {
    var id: String
    var version: Timestamp
    var steps: [DeploymentStep]
    var currentStep: Int
    var original: [StoredApp]
    var target: [StoredApp]
    var instancesToKill: [String]
    // Failure tracking; absent in records written before deployments could fail.
    var isRollback: Bool?
    var lastProgressAt: Timestamp?
    var bestProgress: Int?
    var failuresSinceProgress: Int?
    var lastFailure: String?

    init(_ d: Deployment) {
        id = d.id
        version = d.version
        steps = d.steps
        currentStep = d.currentStep
        original = d.original.values.map { StoredApp($0) }
        target = d.target.values.map { StoredApp($0) }
        instancesToKill = d.instancesToKill
        isRollback = d.isRollback
        lastProgressAt = d.lastProgressAt
        bestProgress = d.bestProgress
        failuresSinceProgress = d.failuresSinceProgress
        lastFailure = d.lastFailure
    }

    var deployment: Deployment {
        var d = Deployment(
            id: id, version: version, steps: steps, currentStep: currentStep,
            original: Dictionary(original.map { ($0.definition.id, $0.definition) }, uniquingKeysWith: { a, _ in a }),
            target: Dictionary(target.map { ($0.definition.id, $0.definition) }, uniquingKeysWith: { a, _ in a }),
            instancesToKill: instancesToKill)
        d.isRollback = isRollback
        d.lastProgressAt = lastProgressAt
        d.bestProgress = bestProgress
        d.failuresSinceProgress = failuresSinceProgress
        d.lastFailure = lastFailure
        return d
    }
}

/// JSON coding of stored records.
enum StoredJSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        try JSONEncoder().encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}

/// Everything the control plane keeps, read back at start-up.
struct LoadedState {
    var state = ClusterState()
    var versions: [PathId: [Timestamp]] = [:]
}

extension StateStore {
    /// Reads every record into memory. Records that no longer decode are skipped with a warning
    /// rather than preventing start-up.
    func loadClusterState(warn: (String) -> Void) async throws -> LoadedState {
        var loaded = LoadedState()
        for record in try await list(prefix: StateKeys.appsPrefix + "/") {
            do {
                let stored = try StoredJSON.decode(StoredApp.self, record.value)
                let app = stored.definition
                loaded.state.apps[app.id] = app
                loaded.versions[app.id] = stored.versions ?? [stored.version]
            } catch {
                warn("skipping unreadable app record \(record.key): \(error)")
            }
        }
        for record in try await list(prefix: StateKeys.deploymentsPrefix) {
            do {
                let d = try StoredJSON.decode(StoredDeployment.self, record.value).deployment
                loaded.state.deployments[d.id] = d
            } catch {
                warn("skipping unreadable deployment record \(record.key): \(error)")
            }
        }
        for record in try await list(prefix: StateKeys.instancesPrefix) {
            do {
                loaded.state.upsert(try StoredJSON.decode(Instance.self, record.value))
            } catch {
                warn("skipping unreadable instance record \(record.key): \(error)")
            }
        }
        for record in try await list(prefix: StateKeys.groupsPrefix + "/") {
            if let group = try? StoredJSON.decode(GroupRecord.self, record.value) {
                loaded.state.groups[group.id] = group
            }
        }
        for record in try await list(prefix: StateKeys.failuresPrefix + "/") {
            if let failure = try? StoredJSON.decode(TaskFailure.self, record.value), loaded.state.apps[failure.appId] != nil {
                loaded.state.lastTaskFailures[failure.appId] = failure
            }
        }
        if let root = try await get(StateKeys.rootVersion), let v = try? StoredJSON.decode(Timestamp.self, root.value) {
            loaded.state.rootVersion = v
        }
        return loaded
    }
}

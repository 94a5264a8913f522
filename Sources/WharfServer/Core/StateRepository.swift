import Foundation
import WharfModel
import WharfStore

/// How the control plane's records are laid out in the `StateStore`, and their encoding.
///
/// Keys: `apps/<id>` (current definition + version list), `versions/<id>@<millis>` (every kept
/// version), `deployments/<uuid>`, `instances/<instance id>`, `groups/<id>`, `failures/<id>`,
/// `meta/root-version`. Every value is a JSON object carrying its schema version (`RecordSchema`).
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
/// Marathon JSON codec treats them as read-only output). The definition itself is kept in Marathon's
/// JSON shape, inside this record of Wharf's own.
struct StoredApp: VersionedRecord {
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
struct StoredDeployment: VersionedRecord {
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

/// The root group's version (`meta/root-version`). Records without a schema version hold the bare
/// timestamp.
struct StoredRootVersion: VersionedRecord {
    var rootVersion: Timestamp

    init(_ rootVersion: Timestamp) {
        self.rootVersion = rootVersion
    }

    init(from decoder: any Decoder) throws {
        if decoder.recordSchemaVersion == RecordSchema.unversioned,
           let bare = try? decoder.singleValueContainer().decode(Timestamp.self) {
            rootVersion = bare
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rootVersion = try container.decode(Timestamp.self, forKey: .rootVersion)
    }
}

extension GroupRecord: VersionedRecord {}
extension TaskFailure: VersionedRecord {}

/// JSON coding of stored records, with their schema version (`RecordSchema`).
enum StoredJSON {
    static func encode<T: VersionedRecord>(_ value: T) throws -> Data {
        try RecordSchema.encode(value)
    }

    /// Instance records, the ones written by the ten thousand, take the direct writer.
    static func encode(_ instance: Instance) throws -> Data {
        try instance.recordJSON()
    }

    /// Reads a record written by this or an earlier Wharf; throws `RecordReadError`.
    static func decode<T: VersionedRecord>(_ type: T.Type, _ data: Data) throws(RecordReadError) -> T {
        try RecordSchema.decode(type, from: data)
    }
}

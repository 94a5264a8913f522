import Foundation
import Testing
@testable import WharfServer
import WharfModel
import WharfStore

/// Store values carry their own schema version, and records written before versions existed load
/// exactly as they were written.
@Suite("Stored record versions", .timeLimit(.minutes(1)))
struct StoredRecordTests {
    /// Reads `fixture` as `T` and writes it again: the result carries the current schema version,
    /// reads back to the same record, and keeps every member of the fixture (see `lostMembers`).
    static func roundTrip<T: VersionedRecord>(_ type: T.Type, _ fixture: String) throws -> T {
        let record = try StoredJSON.decode(type, Data(fixture.utf8))
        let rewritten = try StoredJSON.encode(record)
        let object = try #require(try JSONSerialization.jsonObject(with: rewritten) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == RecordSchema.current)
        let again = try StoredJSON.encode(StoredJSON.decode(type, rewritten))
        #expect(try canonical(again) == canonical(rewritten), "\(T.self) is not stable on a round trip")
        let original = try JSONSerialization.jsonObject(with: Data(fixture.utf8))
        #expect(lostMembers(original, object).isEmpty, "\(T.self) lost members on a round trip: \(lostMembers(original, object))")
        return record
    }

    /// `data` as JSON with sorted keys, for comparing contents.
    static func canonical(_ data: Data) throws -> Data {
        try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: data), options: [.sortedKeys])
    }

    /// Paths of the members of `original` that `rewritten` lacks or holds another value for. Members
    /// Marathon's writer leaves out when they hold the default (empty arrays and objects, `false`, as
    /// `ignoreHttp1xx` of a MESOS_HTTP check) and the retired `storeUrls` are not counted: their
    /// absence reads as the same value.
    static func lostMembers(_ original: Any, _ rewritten: Any?, at path: String = "") -> [String] {
        switch original {
        case let object as [String: Any]:
            let other = rewritten as? [String: Any] ?? [:]
            return object.keys.sorted().flatMap { key -> [String] in
                let value = object[key]!
                if key == "storeUrls" || key == "schemaVersion" { return [] }
                let isDefault = (value as? [Any])?.isEmpty == true || (value as? [String: Any])?.isEmpty == true
                    || (value as? NSNumber).map { String(cString: $0.objCType) == "c" && !$0.boolValue } == true
                if isDefault, other[key] == nil { return [] }
                return lostMembers(value, other[key], at: path + "/" + key)
            }
        case let array as [Any]:
            guard let other = rewritten as? [Any], other.count == array.count else { return [path] }
            return array.indices.flatMap { lostMembers(array[$0], other[$0], at: path + "(\($0))") }
        default:
            switch (original, rewritten) {
            case let (a as String, b as String): return a == b ? [] : [path]
            case let (a as NSNumber, b as NSNumber): return a == b ? [] : [path]
            case (is NSNull, is NSNull): return []
            default: return [path]
            }
        }
    }

    @Test("records without a schema version (as written before versions) read unchanged")
    func unversionedRecordsReadUnchanged() throws {
        let app = try Self.roundTrip(StoredApp.self, RecordFixturesV1.app)
        #expect(app.definition.id == PathId("/shop/web"))
        #expect(app.definition.healthChecks.count == 1)
        #expect(app.definition.constraints.count == 1)
        #expect(app.versions?.count == 2)
        let docker = try Self.roundTrip(StoredApp.self, RecordFixturesV1.dockerApp)
        #expect(docker.definition.container?.docker?.image == "redis:7")
        _ = try Self.roundTrip(StoredApp.self, RecordFixturesV1.version)
        let deployment = try Self.roundTrip(StoredDeployment.self, RecordFixturesV1.deployment).deployment
        #expect(deployment.steps.count == 3)
        #expect(deployment.target.keys.sorted() == [PathId("/shop/db"), PathId("/shop/web")])
        #expect(deployment.failuresSinceProgress == 1)
        let instance = try Self.roundTrip(Instance.self, RecordFixturesV1.instance)
        #expect(instance.state == .running && instance.health?.readiness.first?.ready == true)
        #expect(try Self.roundTrip(GroupRecord.self, RecordFixturesV1.group).dependencies == [PathId("/base")])
        #expect(try Self.roundTrip(TaskFailure.self, RecordFixturesV1.failure).state == .failed)
        // The root version was a bare timestamp; it becomes an object.
        let root = try StoredJSON.decode(StoredRootVersion.self, Data(RecordFixturesV1.rootVersion.utf8))
        #expect(root.rootVersion == Timestamp(millis: 1_700_000_100_000))
        #expect(try StoredJSON.decode(StoredRootVersion.self, StoredJSON.encode(root)).rootVersion == root.rootVersion)
    }

    @Test("a store of unversioned records loads into the same state")
    func unversionedStoreLoads() async throws {
        let store = MemoryStore()
        try await store.put("apps/shop/web", Data(RecordFixturesV1.app.utf8))
        try await store.put("apps/shop/db", Data(RecordFixturesV1.dockerApp.utf8))
        try await store.put("deployments/5ae1d8a4-61a3-4c38-9a0e-2f7f3b5a9c11", Data(RecordFixturesV1.deployment.utf8))
        try await store.put("instances/shop_web.instance-0b5e9e47-2a43-4f6e-a4c3-4bd2a1f5e001", Data(RecordFixturesV1.instance.utf8))
        try await store.put("groups/shop", Data(RecordFixturesV1.group.utf8))
        try await store.put("failures/shop/web", Data(RecordFixturesV1.failure.utf8))
        try await store.put("meta/root-version", Data(RecordFixturesV1.rootVersion.utf8))
        let loaded = try await store.loadClusterState()
        #expect(loaded.state.quarantine.isEmpty, "\(loaded.state.quarantine.records)")
        #expect(loaded.state.apps.keys.sorted() == [PathId("/shop/db"), PathId("/shop/web")])
        #expect(loaded.state.apps[PathId("/shop/web")]?.versionInfo?.lastConfigChangeAt == Timestamp(millis: 1_700_000_000_000))
        #expect(loaded.state.deployments.count == 1)
        #expect(loaded.state.instances.count == 1)
        #expect(loaded.state.groups[PathId("/shop")] != nil)
        #expect(loaded.state.lastTaskFailures[PathId("/shop/web")] != nil)
        #expect(loaded.state.rootVersion == Timestamp(millis: 1_700_000_100_000))
        #expect(loaded.versions[PathId("/shop/web")]?.count == 2)
    }

    @Test("records are written with the current schema version and read back equal")
    func versionedRoundTrip() throws {
        var app = sleepApp("/web", instances: 2)
        app.version = Timestamp(millis: 1_000)
        app.versionInfo = VersionInfo(lastScalingAt: Timestamp(millis: 1_000), lastConfigChangeAt: Timestamp(millis: 500))
        let data = try StoredJSON.encode(StoredApp(app, versions: [Timestamp(millis: 1_000)]))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == RecordSchema.current)
        #expect((object["app"] as? [String: Any])?["id"] as? String == "/web", "the definition stays in Marathon's shape")
        #expect(try StoredJSON.decode(StoredApp.self, data).definition == app)
    }

    @Test("newer, malformed and lossy records are refused with a reason")
    func unreadableRecords() throws {
        func reason(_ json: String) -> RecordReadError? {
            do {
                _ = try StoredJSON.decode(StoredApp.self, Data(json.utf8))
                return nil
            } catch {
                return error
            }
        }
        var newer = try #require(try JSONSerialization.jsonObject(with: Data(RecordFixturesV1.app.utf8)) as? [String: Any])
        newer["schemaVersion"] = 7
        let newerData = try JSONSerialization.data(withJSONObject: newer)
        #expect(reason(String(decoding: newerData, as: UTF8.self)) == .newerSchema(found: 7, supported: RecordSchema.current))
        #expect(reason(#"{"app": {"id": "/web""#) == .unreadable("not valid JSON"))
        #expect(reason(#"{"schemaVersion": 0, "app": {"id": "/web"}}"#) == .unreadable("schema version 0 was never written by wharf"))
        #expect(reason(#"{"schemaVersion": "2"}"#) == .unreadable("its schemaVersion is not an integer"))
        #expect(reason(#"{"schemaVersion": 2, "version": "1970-01-01T00:00:01.000Z"}"#) == .unreadable("missing field app"))
        // A definition that would decode only by dropping part of it is not read at all.
        let lossy = #"{"app": {"id": "/web", "constraints": [["hostname", "NEAR"]]}, "version": "1970-01-01T00:00:01.000Z", "lastScalingAt": "1970-01-01T00:00:01.000Z", "lastConfigChangeAt": "1970-01-01T00:00:01.000Z"}"#
        guard case let .unreadable(text)? = reason(lossy) else {
            Issue.record("a constraint with an unknown operator was dropped silently")
            return
        }
        #expect(text.contains("/constraints(0)"), "\(text)")
    }
}

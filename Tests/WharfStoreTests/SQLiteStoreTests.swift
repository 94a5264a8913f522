import Foundation
import Testing
@testable import WharfStore

/// What only the SQLite store promises: the file outlives the process, the schema is versioned,
/// and the durability settings are in force.
@Suite("SQLiteStore", .timeLimit(.minutes(3)))
struct SQLiteStoreTests {
    private func open(_ directory: URL, migrations: [SchemaMigration] = SchemaMigrations.all) async throws -> SQLiteStore {
        try await SQLiteStore.open(
            path: directory.appendingPathComponent("state.db").path, logger: testLogger, migrations: migrations
        )
    }

    @Test func reopenedFileHoldsEverything() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await open(directory)
            for index in 0..<50 {
                try await first.put("apps/\(index)", Data(text: "value \(index)"))
            }
            try await first.transaction([.delete(key: "apps/0"), .put(key: "deployments/d1", value: Data(text: "d"))])
            let revision = try await first.currentRevision()
            let before = try await first.list(prefix: "")
            try await first.close()

            let second = try await open(directory)
            #expect(try await second.currentRevision() == revision)
            #expect(try await second.list(prefix: "") == before)
            #expect(before.count == 50)
            #expect(try await second.get("apps/0") == nil)
            // Revisions continue where they stopped.
            #expect(try await second.put("apps/0", Data(text: "again")) == revision + 1)
            try await second.close()
        }
    }

    @Test func durabilitySettingsAreInForce() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await open(directory)
            try await store.put("k", Data(text: "v"))
            let writer = store.writer
            #expect(try await writer.text("PRAGMA journal_mode") == "wal")
            #expect(try await writer.integer("PRAGMA synchronous") == 2)  // FULL
            #expect(try await writer.integer("PRAGMA busy_timeout") == 10_000)
            #expect(try await store.reader.integer("PRAGMA query_only") == 1)
            try await store.close()
        }
    }

    @Test func listUsesTheKeyIndex() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await open(directory)
            let plan = try await store.reader.collect(
                "EXPLAIN QUERY PLAN SELECT key, value, revision FROM kv WHERE key >= ? AND key < ? ORDER BY key",
                [.text("apps/"), .text("apps0")]
            ) { $0.column("detail")?.string ?? "" }
            #expect(plan.contains { $0.contains("USING INDEX") && $0.contains("key>? AND key<?") })
            #expect(!plan.contains { $0.contains("TEMP B-TREE") })
            try await store.close()
        }
    }

    @Test func schemaVersionIsStored() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await open(directory)
            #expect(try await store.schemaVersion() == SchemaMigrations.latestVersion(of: SchemaMigrations.all))
            #expect(try await store.schemaVersion() == 1)
            try await store.close()
        }
    }

    /// A newer binary migrates the file forward keeping the data; an older one then refuses it.
    @Test func migrationsUpgradeAndNewerSchemaIsRejected() async throws {
        try await withTemporaryDirectory { directory in
            let v1 = try await open(directory)
            try await v1.put("apps/web", Data(text: "kept"))
            try await v1.close()

            let v2Migration = SchemaMigration(
                version: 2, summary: "test: index on revision",
                statements: ["CREATE INDEX kv_revision ON kv (revision)"]
            )
            let v2 = try await open(directory, migrations: SchemaMigrations.all + [v2Migration])
            #expect(try await v2.schemaVersion() == 2)
            #expect(try await v2.get("apps/web")?.text == "kept")
            let indexes = try await v2.reader.integer(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'kv_revision'"
            )
            #expect(indexes == 1)
            try await v2.close()

            await #expect(throws: StoreError.unsupportedSchema(found: 2, supported: 1)) {
                try await open(directory)
            }
        }
    }

    @Test func failingMigrationLeavesTheFileUntouched() async throws {
        try await withTemporaryDirectory { directory in
            let v1 = try await open(directory)
            try await v1.put("k", Data(text: "v"))
            try await v1.close()

            let broken = SchemaMigration(
                version: 2, summary: "test: fails halfway",
                statements: ["CREATE TABLE extra (x INTEGER)", "THIS IS NOT SQL"]
            )
            await #expect(throws: StoreError.self) {
                try await open(directory, migrations: SchemaMigrations.all + [broken])
            }
            let reopened = try await open(directory)
            #expect(try await reopened.schemaVersion() == 1)
            #expect(try await reopened.get("k")?.text == "v")
            let extra = try await reopened.reader.integer("SELECT count(*) FROM sqlite_master WHERE name = 'extra'")
            #expect(extra == 0)
            try await reopened.close()
        }
    }

    @Test func notADatabaseIsAClearError() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("state.db")
            try Data(repeating: 0x41, count: 8192).write(to: path)
            do {
                _ = try await SQLiteStore.open(path: path.path, logger: testLogger)
                Issue.record("opening a file that is not a database succeeded")
            } catch let StoreError.backend(message) {
                #expect(message.contains(path.path))
            }
        }
    }

    /// Commits left in the WAL by a store that was never closed (no checkpoint) are found by a second
    /// store opened on the same file.
    @Test func uncheckpointedWritesAreVisibleToANewStore() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await open(directory)
            for index in 0..<100 {
                try await first.put("k\(index)", Data(text: "\(index)"))
            }
            let walPath = directory.appendingPathComponent("state.db-wal").path
            let walSize = (try FileManager.default.attributesOfItem(atPath: walPath)[.size] as? Int) ?? 0
            #expect(walSize > 0)

            let second = try await open(directory)
            let listed = try await second.list(prefix: "k")
            #expect(listed.count == 100)
            #expect(try await second.currentRevision() == 100)
            // Writers in two stores on one file are serialised by SQLite's lock, not lost.
            try await second.put("k0", Data(text: "from second"), expectedRevision: listed.first { $0.key == "k0" }?.revision)
            await #expect(throws: StoreError.self) {
                try await first.put("k0", Data(text: "from first"), expectedRevision: 1)
            }
            try await second.close()
            try await first.close()
        }
    }
}

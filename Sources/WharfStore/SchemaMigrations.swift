import Foundation
import Logging
import SQLiteNIO

/// One step of the SQLite schema's history: the statements that take the schema from
/// `version - 1` to `version`.
///
/// Migrations are append-only: once released, a migration never changes; a new version adds a new
/// one. The version reached is stored as `schema_version` in the `meta` table.
struct SchemaMigration: Sendable {
    /// The schema version this migration produces; versions run 1, 2, 3, … without gaps.
    let version: Int
    /// What the migration does, for the log.
    let summary: String
    /// SQL statements run in order, inside the migration transaction.
    let statements: [String]
}

/// The ordered migrations of `SQLiteStore`'s schema and the code that applies them at open.
enum SchemaMigrations {
    /// Every migration this binary knows, oldest first.
    static let all: [SchemaMigration] = [
        SchemaMigration(
            version: 1,
            summary: "key-value table with per-key revisions; meta table with the global revision",
            statements: [
                """
                CREATE TABLE kv (
                    key TEXT PRIMARY KEY NOT NULL,
                    value BLOB NOT NULL,
                    revision INTEGER NOT NULL
                ) STRICT
                """,
                """
                CREATE TABLE meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value INTEGER NOT NULL
                ) STRICT
                """,
                "INSERT INTO meta (key, value) VALUES ('revision', 0)",
            ]
        ),
    ]

    /// The newest schema version in `migrations`.
    static func latestVersion(of migrations: [SchemaMigration]) -> Int {
        migrations.last?.version ?? 0
    }

    /// Brings the database behind `connection` to the newest version in `migrations`, all pending
    /// migrations in one `BEGIN IMMEDIATE` transaction (so a crash leaves the old version intact and
    /// two processes opening one file cannot both migrate). Returns the schema version now in force.
    ///
    /// Throws `StoreError.unsupportedSchema` without touching the file if it was written by a newer
    /// binary.
    static func migrate(
        _ connection: SQLiteConnection,
        migrations: [SchemaMigration] = all,
        logger: Logger
    ) async throws -> Int {
        for (index, migration) in migrations.enumerated() {
            precondition(migration.version == index + 1, "schema migrations must be numbered 1, 2, 3, … in order")
        }
        let supported = latestVersion(of: migrations)

        try await connection.execute("BEGIN IMMEDIATE")
        do {
            let found = try await storedVersion(connection)
            if found > supported {
                throw StoreError.unsupportedSchema(found: found, supported: supported)
            }
            let pending = migrations.filter { $0.version > found }
            for migration in pending {
                logger.info("applying state store schema migration", metadata: [
                    "schema_version": "\(migration.version)",
                    "migration": "\(migration.summary)",
                ])
                for statement in migration.statements {
                    try await connection.execute(statement)
                }
            }
            if !pending.isEmpty {
                try await connection.execute(
                    """
                    INSERT INTO meta (key, value) VALUES ('schema_version', ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """,
                    [.integer(supported)]
                )
            }
            try await connection.execute("COMMIT")
            return supported
        } catch {
            do {
                try await connection.execute("ROLLBACK")
            } catch let rollbackError {
                logger.error("rolling back state store migration failed", metadata: ["error": "\(rollbackError)"])
            }
            throw error
        }
    }

    /// The schema version recorded in the file; 0 for a new, empty database.
    static func storedVersion(_ connection: SQLiteConnection) async throws -> Int {
        let hasMeta = try await connection.integer(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ) ?? 0
        guard hasMeta > 0 else { return 0 }
        let version = try await connection.integer("SELECT value FROM meta WHERE key = 'schema_version'")
        return Int(version ?? 0)
    }
}

import Foundation
import Logging
import SQLiteNIO

extension SQLiteStore {
    /// What one commit did.
    struct CommitResult: Sendable {
        /// The global revision the commit got, which every key it wrote now carries.
        var revision: Int64
        /// How many keys `.delete` operations removed (`.deletePrefix` is not counted).
        var deletedKeys: Int
    }

    /// See `StateStore.put(_:_:expectedRevision:)`.
    @discardableResult
    public func put(_ key: String, _ value: Data, expectedRevision: Int64?) async throws -> Int64 {
        try await commit([.put(key: key, value: value, expectedRevision: expectedRevision)]).revision
    }

    /// See `StateStore.delete(_:expectedRevision:)`.
    @discardableResult
    public func delete(_ key: String, expectedRevision: Int64?) async throws -> Bool {
        try await commit([.delete(key: key, expectedRevision: expectedRevision)]).deletedKeys > 0
    }

    /// See `StateStore.transaction(_:)`. Runs as one `BEGIN IMMEDIATE` … `COMMIT`; when it returns,
    /// the commit has been fsynced.
    @discardableResult
    public func transaction(_ operations: [StoreOperation]) async throws -> Int64 {
        try await commit(operations).revision
    }

    /// Validates, then applies `operations` in one SQLite transaction on the writer connection.
    func commit(_ operations: [StoreOperation]) async throws -> CommitResult {
        for operation in operations { try operation.validate() }
        guard !operations.isEmpty else {
            return CommitResult(revision: try await currentRevision(), deletedKeys: 0)
        }
        let logger = self.logger
        return try await withWriter("commit") { connection in
            try await Self.commit(operations, on: connection, logger: logger)
        }
    }

    /// The transaction itself. `BEGIN IMMEDIATE` takes the write lock before the conditions are read,
    /// so no other writer (not even another process) can change a key between check and write.
    private static func commit(
        _ operations: [StoreOperation],
        on connection: SQLiteConnection,
        logger: Logger
    ) async throws -> CommitResult {
        try await connection.execute("BEGIN IMMEDIATE")
        do {
            let conditionKeys = operations.compactMap { $0.condition?.key }
            if !conditionKeys.isEmpty {
                let revisions = try await currentRevisions(of: conditionKeys, on: connection)
                if let conflict = StoreOperation.firstConflict(in: operations, currentRevision: { key in
                    revisions[ByteOrderedKey(key)] ?? 0
                }) {
                    throw conflict
                }
            }

            guard let revision = try await connection.integer(
                "UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value"
            ) else {
                throw StoreError.backend("the meta table has no 'revision' row; the database is damaged")
            }

            var deletedKeys = 0
            var pendingPuts: [(key: String, value: Data)] = []
            for operation in operations {
                if case let .put(key, value, _) = operation {
                    pendingPuts.append((key, value))
                    continue
                }
                try await upsert(pendingPuts, revision: revision, on: connection)
                pendingPuts.removeAll()
                switch operation {
                case .put:
                    break
                case let .delete(key, _):
                    deletedKeys += try await connection.collect(
                        "DELETE FROM kv WHERE key = ? RETURNING revision", [.text(key)]
                    ) { _ in 1 }.count
                case let .deletePrefix(prefix):
                    let range = PrefixRange(prefix: prefix)
                    if let upper = range.upperBound {
                        try await connection.execute(
                            "DELETE FROM kv WHERE key >= ? AND key < ?", [.text(range.lowerBound), .text(upper)]
                        )
                    } else {
                        try await connection.execute("DELETE FROM kv WHERE key >= ?", [.text(range.lowerBound)])
                    }
                }
            }
            try await upsert(pendingPuts, revision: revision, on: connection)

            try await connection.execute("COMMIT")
            return CommitResult(revision: revision, deletedKeys: deletedKeys)
        } catch {
            do {
                try await connection.execute("ROLLBACK")
            } catch let rollbackError {
                // After a failed COMMIT SQLite may already have rolled back; then this is expected.
                logger.warning("state store rollback failed", metadata: [
                    "error": "\(rollbackError)", "cause": "\(error)",
                ])
            }
            throw error
        }
    }

    /// Writes consecutive puts with multi-row `INSERT`s of up to `rowsPerStatement` rows: every
    /// statement is a round trip to the thread pool, which dominates bulk loads. Rows of one statement
    /// are upserted in order, so a key repeated in the batch ends with its last value.
    private static func upsert(
        _ puts: [(key: String, value: Data)],
        revision: Int64,
        on connection: SQLiteConnection
    ) async throws {
        let rowsPerStatement = 256
        for start in stride(from: 0, to: puts.count, by: rowsPerStatement) {
            let batch = puts[start..<min(start + rowsPerStatement, puts.count)]
            // An empty `Data` may bind as NULL; `coalesce` stores it as an empty blob.
            let rows = Array(repeating: "(?, coalesce(?, x''), ?)", count: batch.count).joined(separator: ", ")
            var binds: [SQLiteData] = []
            binds.reserveCapacity(batch.count * 3)
            for put in batch {
                binds.append(.text(put.key))
                binds.append(.blob(ByteBuffer(bytes: put.value)))
                binds.append(.integer(SQLiteInt64(revision)))
            }
            try await connection.execute(
                """
                INSERT INTO kv (key, value, revision) VALUES \(rows)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, revision = excluded.revision
                """,
                binds
            )
        }
    }

    /// The current revision of each of `keys` that exists, read inside the open transaction.
    private static func currentRevisions(
        of keys: [String],
        on connection: SQLiteConnection
    ) async throws -> [ByteOrderedKey: Int64] {
        var unique: [String] = []
        var seen = Set<ByteOrderedKey>()
        for key in keys where seen.insert(ByteOrderedKey(key)).inserted {
            unique.append(key)
        }
        var revisions: [ByteOrderedKey: Int64] = [:]
        let chunkSize = 500
        for start in stride(from: 0, to: unique.count, by: chunkSize) {
            let chunk = unique[start..<min(start + chunkSize, unique.count)]
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let rows = try await connection.collect(
                "SELECT key, revision FROM kv WHERE key IN (\(placeholders))", chunk.map { .text($0) }
            ) { row -> (String, Int64) in
                guard let key = row.column("key")?.string, let revision = row.column("revision")?.integer else {
                    throw StoreError.backend("malformed row in kv table: \(row)")
                }
                return (key, Int64(revision))
            }
            for (key, revision) in rows { revisions[ByteOrderedKey(key)] = revision }
        }
        return revisions
    }
}

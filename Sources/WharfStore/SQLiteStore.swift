import Foundation
import Logging
import SQLiteNIO

/// The embedded `StateStore`: one SQLite file in WAL mode with `synchronous=FULL`, so that a write
/// is on stable storage when its method returns (it survives `kill -9` and power loss).
///
/// Concurrency: the actor owns two connections to the file. Writes go through a FIFO gate to the
/// *writer* connection, one transaction at a time (`BEGIN IMMEDIATE` … `COMMIT`), because actor
/// methods may interleave at every `await` and SQLite transactions are per connection. Reads use
/// the *reader* connection and do not wait for writes: in WAL mode each read sees the last
/// committed state. All SQLite calls run on a `NIOThreadPool` (sqlite-nio's design), never on an
/// event loop or the cooperative pool.
///
/// Call `close()` before releasing the store: sqlite-nio connections must be closed explicitly.
public actor SQLiteStore: StateStore {
    /// Where the database lives, for log metadata and error messages.
    public nonisolated let path: String
    nonisolated let writer: SQLiteConnection
    nonisolated let reader: SQLiteConnection
    nonisolated let logger: Logger
    /// See `StateStore.maxOperationsPerTransaction`: SQLite commits a transaction of any size.
    public nonisolated var maxOperationsPerTransaction: Int { .max }

    /// Whether a write transaction owns `writer`; handed from one writer to the next in FIFO order.
    private var writerBusy = false
    private var writerWaiters: [CheckedContinuation<Void, Never>] = []
    private var activeReads = 0
    private var readDrainWaiters: [CheckedContinuation<Void, Never>] = []
    private var closeTask: Task<Void, any Error>?
    private var isClosing = false

    private init(path: String, writer: SQLiteConnection, reader: SQLiteConnection, logger: Logger) {
        self.path = path
        self.writer = writer
        self.reader = reader
        self.logger = logger
    }

    /// Opens (creating if needed) the database at `path` and migrates its schema to the newest
    /// version this binary knows.
    ///
    /// - Parameters:
    ///   - path: The database file; its directory must exist. SQLite keeps `-wal` and `-shm` files
    ///     next to it, which belong to the database and must be kept with it.
    ///   - logger: Receives migration and error messages, with `path` metadata.
    ///   - threadPool: Where SQLite calls run; the process-wide pool by default.
    /// - Throws: `StoreError.unsupportedSchema` if a newer wharf wrote the file, `StoreError.backend`
    ///   if it cannot be opened, is not a database, or cannot use WAL mode.
    public static func open(
        path: String,
        logger: Logger,
        threadPool: NIOThreadPool = .singleton
    ) async throws -> SQLiteStore {
        try await open(path: path, logger: logger, threadPool: threadPool, migrations: SchemaMigrations.all)
    }

    /// `open(path:logger:threadPool:)` with an explicit migration list (tests simulate older and
    /// newer binaries with it).
    static func open(
        path: String,
        logger: Logger,
        threadPool: NIOThreadPool = .singleton,
        migrations: [SchemaMigration]
    ) async throws -> SQLiteStore {
        var logger = logger
        logger[metadataKey: "path"] = "\(path)"
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        var opened: [SQLiteConnection] = []
        do {
            let writer = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop
            )
            opened.append(writer)
            try await configure(writer, path: path, readOnly: false)
            let version = try await SchemaMigrations.migrate(writer, migrations: migrations, logger: logger)

            let reader = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop
            )
            opened.append(reader)
            try await configure(reader, path: path, readOnly: true)

            logger.debug("state store opened", metadata: ["schema_version": "\(version)"])
            return SQLiteStore(path: path, writer: writer, reader: reader, logger: logger)
        } catch {
            for connection in opened.reversed() {
                do { try await connection.close() } catch let closeError {
                    logger.warning("closing state store after failed open failed", metadata: ["error": "\(closeError)"])
                }
            }
            throw storeError(error, path: path, doing: "open")
        }
    }

    /// Per-connection settings. `synchronous=FULL` in WAL mode fsyncs the WAL at every commit, which is
    /// what makes an acknowledged write survive power loss; `fullfsync` asks macOS for a real flush to
    /// the medium (ignored elsewhere).
    private static func configure(_ connection: SQLiteConnection, path: String, readOnly: Bool) async throws {
        // Replaces sqlite-nio's default busy handler, which retries forever without sleeping.
        try await connection.execute("PRAGMA busy_timeout = 10000")
        let mode = try await connection.text("PRAGMA journal_mode = WAL")
        guard mode?.lowercased() == "wal" else {
            throw StoreError.backend("\(path): cannot use WAL journal mode (SQLite reports '\(mode ?? "nothing")'); is the file on a network filesystem?")
        }
        try await connection.execute("PRAGMA synchronous = FULL")
        try await connection.execute("PRAGMA fullfsync = ON")
        try await connection.execute("PRAGMA checkpoint_fullfsync = ON")
        if readOnly {
            try await connection.execute("PRAGMA query_only = ON")
        } else {
            // Truncate the WAL after checkpoints so that it does not stay at its high-water mark.
            try await connection.execute("PRAGMA journal_size_limit = 67108864")
        }
    }

    // MARK: - Reads

    /// See `StateStore.get(_:)`.
    public func get(_ key: String) async throws -> StoredValue? {
        try StoreKeyRules.validate(key: key)
        return try await read("get") {
            try await $0.collect("SELECT key, value, revision FROM kv WHERE key = ?", [.text(key)], Self.decode)
        }.first
    }

    /// See `StateStore.list(prefix:)`. A range scan of the primary-key index, `key >= prefix AND key <
    /// successor(prefix)`, so it reads only the matching keys.
    public func list(prefix: String) async throws -> [StoredValue] {
        try StoreKeyRules.validate(prefix: prefix)
        let range = PrefixRange(prefix: prefix)
        return try await read("list") { connection in
            if let upper = range.upperBound {
                return try await connection.collect(
                    "SELECT key, value, revision FROM kv WHERE key >= ? AND key < ? ORDER BY key",
                    [.text(range.lowerBound), .text(upper)], Self.decode
                )
            }
            return try await connection.collect(
                "SELECT key, value, revision FROM kv WHERE key >= ? ORDER BY key",
                [.text(range.lowerBound)], Self.decode
            )
        }
    }

    /// See `StateStore.currentRevision()`.
    public func currentRevision() async throws -> Int64 {
        try await read("read revision") {
            try await $0.integer("SELECT value FROM meta WHERE key = 'revision'") ?? 0
        }
    }

    /// The schema version recorded in the database file.
    public func schemaVersion() async throws -> Int {
        try await read("read schema version") { try await SchemaMigrations.storedVersion($0) }
    }

    /// Runs a read on the reader connection, counted so that `close()` can wait for it.
    private func read<T: Sendable>(
        _ what: String,
        _ body: @Sendable (SQLiteConnection) async throws -> T
    ) async throws -> T {
        if isClosing { throw StoreError.closed }
        activeReads += 1
        defer {
            activeReads -= 1
            if activeReads == 0 {
                for waiter in readDrainWaiters { waiter.resume() }
                readDrainWaiters.removeAll()
            }
        }
        do {
            return try await body(reader)
        } catch {
            throw Self.storeError(error, path: path, doing: what)
        }
    }

    /// Turns a `SELECT key, value, revision` row into a `StoredValue`.
    @Sendable
    static func decode(_ row: SQLiteRow) throws -> StoredValue {
        guard let key = row.column("key")?.string, let revision = row.column("revision")?.integer else {
            throw StoreError.backend("malformed row in kv table: \(row)")
        }
        let value: Data
        switch row.column("value") {
        case let .blob(buffer)?:
            value = buffer.withUnsafeReadableBytes { Data($0) }
        default:
            value = Data()
        }
        return StoredValue(key: key, value: value, revision: Int64(revision))
    }

    // MARK: - Writer gate and lifecycle

    /// Runs `body` with exclusive use of the writer connection; callers are served in arrival order.
    func withWriter<T: Sendable>(
        _ what: String,
        _ body: @Sendable (SQLiteConnection) async throws -> T
    ) async throws -> T {
        if isClosing { throw StoreError.closed }
        await acquireWriter()
        defer { releaseWriter() }
        if isClosing { throw StoreError.closed }
        do {
            return try await body(writer)
        } catch {
            throw Self.storeError(error, path: path, doing: what)
        }
    }

    private func acquireWriter() async {
        guard writerBusy else {
            writerBusy = true
            return
        }
        // Ownership is handed over by `releaseWriter`, which leaves `writerBusy` set.
        await withCheckedContinuation { writerWaiters.append($0) }
    }

    private func releaseWriter() {
        if writerWaiters.isEmpty {
            writerBusy = false
        } else {
            writerWaiters.removeFirst().resume()
        }
    }

    /// Waits for running reads and writes, then closes both connections (the last close checkpoints the
    /// WAL into the main file). Later calls throw `StoreError.closed`; closing twice is harmless.
    public func close() async throws {
        if closeTask == nil {
            isClosing = true
            closeTask = Task { try await self.closeConnections() }
        }
        try await closeTask?.value
    }

    private func closeConnections() async throws {
        await acquireWriter()
        defer { releaseWriter() }
        if activeReads > 0 {
            await withCheckedContinuation { readDrainWaiters.append($0) }
        }
        var firstError: (any Error)?
        for connection in [reader, writer] {
            do { try await connection.close() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw Self.storeError(firstError, path: path, doing: "close") }
        logger.debug("state store closed")
    }

    /// Wraps SQLite errors as `StoreError.backend` naming the file and the operation; passes
    /// `StoreError`s through.
    static func storeError(_ error: any Error, path: String, doing what: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        return .backend("\(what) on \(path) failed: \(error)")
    }
}

import Foundation
import SQLiteNIO

extension SQLiteConnection {
    /// Runs one SQL statement on the connection's thread pool, turning each row into a value there
    /// (so large results are decoded off any event loop and without an extra copy of every row).
    func collect<Element: Sendable>(
        _ sql: String,
        _ binds: [SQLiteData] = [],
        _ transform: @escaping @Sendable (SQLiteRow) throws -> Element
    ) async throws -> [Element] {
        let collector = RowCollector<Element>()
        // `SQLiteConnection.query(_:_:_:) async` calls `onRow` synchronously on the pool thread that
        // steps the statement; the futures-based variant would hop to the event loop once per row.
        try await query(sql, binds) { row in collector.append { try transform(row) } }
        return try collector.finish()
    }

    /// Runs one SQL statement that returns no rows the caller needs.
    func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        try await query(sql, binds) { _ in }
    }

    /// Runs a statement returning one integer (a `PRAGMA`, a `RETURNING` clause), or nil if no row.
    func integer(_ sql: String, _ binds: [SQLiteData] = []) async throws -> Int64? {
        try await collect(sql, binds) { row in
            guard let value = row.columns.first?.data.integer else {
                throw StoreError.backend("expected an integer from \(sql)")
            }
            return Int64(value)
        }.first
    }

    /// Runs a statement returning one text value (for example `PRAGMA journal_mode`), or nil if no row.
    func text(_ sql: String, _ binds: [SQLiteData] = []) async throws -> String? {
        try await collect(sql, binds) { row in
            guard let value = row.columns.first?.data.string else {
                throw StoreError.backend("expected text from \(sql)")
            }
            return value
        }.first
    }
}

/// Accumulates rows handed to sqlite-nio's `@Sendable` row callback, keeping the first decoding error.
///
/// `@unchecked Sendable` is safe because every access to the mutable state holds `lock`. (sqlite-nio
/// calls the callback from one pool thread at a time and the result is read after the query's
/// future completes, so the lock is never contended; it is there to make the sharing explicit.)
private final class RowCollector<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var elements: [Element] = []
    private var error: (any Error)?

    func append(_ make: () throws -> Element) {
        lock.lock()
        defer { lock.unlock() }
        guard error == nil else { return }
        do {
            elements.append(try make())
        } catch {
            self.error = error
        }
    }

    func finish() throws -> [Element] {
        lock.lock()
        defer { lock.unlock() }
        if let error { throw error }
        return elements
    }
}

import Foundation

/// Rules shared by every `StateStore` implementation, so that they accept the same keys and report
/// the same conflicts.
extension StoreOperation {
    /// The key and revision this operation's compare-and-swap condition compares, if it has one.
    package var condition: (key: String, expectedRevision: Int64)? {
        switch self {
        case let .put(key, _, expected?), let .delete(key, expected?):
            return (key, expected)
        case .put, .delete, .deletePrefix:
            return nil
        }
    }

    /// Throws `StoreError.invalidKey` unless the operation's key (or prefix) can be stored.
    package func validate() throws {
        switch self {
        case let .put(key, _, _), let .delete(key, _):
            try StoreKeyRules.validate(key: key)
        case let .deletePrefix(prefix):
            try StoreKeyRules.validate(prefix: prefix)
        }
    }

    /// The first condition in `operations` (in operation order) that does not hold, given each key's
    /// current revision (0 when the key does not exist), as the `StoreError.conflict` to report.
    package static func firstConflict(
        in operations: [StoreOperation],
        currentRevision: (String) -> Int64
    ) -> StoreError? {
        for operation in operations {
            guard let (key, expected) = operation.condition else { continue }
            let actual = currentRevision(key)
            if actual != expected {
                return .conflict(key: key, expected: expected, actual: actual)
            }
        }
        return nil
    }
}

extension Array where Element == StoreOperation {
    /// Throws `StoreError.tooManyOperations` when the transaction exceeds `limit`.
    package func checkCount(limit: Int) throws {
        if count > limit { throw StoreError.tooManyOperations(count: count, limit: limit) }
    }
}

/// Which keys a store accepts.
package enum StoreKeyRules {
    /// Keys must be non-empty and free of NUL, which SQLite's C string API would truncate at.
    package static func validate(key: String) throws {
        if key.isEmpty {
            throw StoreError.invalidKey(key: key, reason: "keys must not be empty")
        }
        try validate(prefix: key)
    }

    /// Prefixes may be empty (meaning every key) but must not contain NUL.
    package static func validate(prefix: String) throws {
        if prefix.utf8.contains(0) {
            throw StoreError.invalidKey(key: prefix, reason: "keys must not contain NUL characters")
        }
    }
}

import Foundation

/// A lock-protected value, for state shared across threads where an actor hop would cost more than
/// the work (event fan-out, caches read on every request).
///
/// `@unchecked Sendable` is safe because every access to `value` goes through `lock`.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

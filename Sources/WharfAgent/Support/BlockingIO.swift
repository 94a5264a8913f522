import Dispatch

/// Runs blocking system calls (file writes with fsync, spawning, cgroup files) on a dispatch queue so
/// that they never hold a thread of Swift's cooperative pool.
enum BlockingIO {
    private static let shared = DispatchQueue(label: "wharf.agent.blocking-io", attributes: .concurrent)

    /// Runs `body` on `queue` (by default a shared concurrent one; pass a serial queue to keep
    /// operations in submission order) and returns its result.
    static func run<T: Sendable>(
        on queue: DispatchQueue = shared, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs a non-throwing `body` on the blocking-I/O queue.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            shared.async { continuation.resume(returning: body()) }
        }
    }
}

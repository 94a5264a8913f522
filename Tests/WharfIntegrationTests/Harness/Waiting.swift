import Foundation

/// A condition that did not come true before its deadline.
struct WaitTimeout: Error, CustomStringConvertible {
    var what: String
    var timeout: Duration
    var lastError: String?

    var description: String {
        "timed out after \(timeout) waiting until \(what)" + (lastError.map { " (last error: \($0))" } ?? "")
    }
}

/// Polls `condition` until it returns true, or throws `WaitTimeout` at the deadline. Errors thrown by
/// the condition count as "not yet" (the server may be restarting) and are reported on timeout.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    _ = try await poll(what, timeout: timeout, every: interval) { try await condition() ? true : nil }
}

/// Polls `probe` until it returns a value, or throws `WaitTimeout` at the deadline.
func poll<T>(
    _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(100),
    _ probe: () async throws -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var lastError: String?
    while true {
        do {
            if let value = try await probe() { return value }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            lastError = String(describing: error)
        }
        guard clock.now < deadline else { throw WaitTimeout(what: what, timeout: timeout, lastError: lastError) }
        try await Task.sleep(for: interval)
    }
}

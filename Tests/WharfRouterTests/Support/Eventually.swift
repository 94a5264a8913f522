import Foundation

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(self.what)" }
}

/// Polls `condition` until it holds or `seconds` pass (then throws).
func waitUntil(
    _ what: String,
    seconds: Double = 10,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
    if try await condition() { return }
    throw TimedOut(what: what)
}

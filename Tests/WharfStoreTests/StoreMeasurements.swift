import Foundation
import Testing
@testable import WharfStore

/// Throughput numbers for the store, printed when `WHARF_STORE_MEASURE=1` is set; skipped otherwise.
/// They report, never assert, timings (wall-clock limits do not belong in tests).
@Suite("StateStore measurements", .enabled(if: ProcessInfo.processInfo.environment["WHARF_STORE_MEASURE"] == "1"), .timeLimit(.minutes(3)))
struct StoreMeasurements {
    @Test(arguments: StoreFactory.all)
    func measure(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let clock = ContinuousClock()
            let value = Data(repeating: 0x7B, count: 512)

            let commits = 300
            let singlePuts = try await clock.measure {
                for index in 0..<commits {
                    try await store.put("single/\(index)", value)
                }
            }
            let keyCount = 100_000
            let batch = min(1_000, store.maxOperationsPerTransaction)
            let keys = (0..<keyCount).map { "instances/\(String(format: "%07d", $0))" }
            let bulkLoad = try await clock.measure {
                for start in stride(from: 0, to: keyCount, by: batch) {
                    try await store.transaction(keys[start..<min(start + batch, keyCount)].map { .put(key: $0, value: value) })
                }
            }
            var listed: [StoredValue] = []
            let list = try await clock.measure {
                listed = try await store.list(prefix: "instances/")
            }
            let get = try await clock.measure {
                for index in 0..<1_000 {
                    _ = try await store.get(keys[index * 97])
                }
            }
            #expect(listed.count == keyCount)
            print("""
                [\(factory.name)] \(commits) single-key commits: \(singlePuts) → \
                \(Int(Double(commits) / singlePuts.seconds)) commits/s; \
                bulk load \(keyCount) keys in transactions of \(batch): \(bulkLoad); \
                list(prefix:) of \(keyCount) keys: \(list); 1000 gets: \(get)
                """)
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

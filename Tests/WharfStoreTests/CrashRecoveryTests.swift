import Foundation
import Testing
@testable import WharfStore

#if os(Linux)
/// A real `kill -9`: the test binary re-runs itself as a child that writes to a store and records
/// every acknowledged write in an "ack" file; the parent kills it with SIGKILL mid-stream, then opens
/// the store and expects every acknowledged write to be there.
@Suite("Crash recovery", .timeLimit(.minutes(3)))
struct CrashRecoveryTests {
    static let childEnvironmentKey = "WHARF_STORE_CRASH_CHILD_DIR"
    static let childTestName = "childWritesUntilKilled"
    static var childDirectory: String? { ProcessInfo.processInfo.environment[childEnvironmentKey] }

    @Test func acknowledgedWritesSurviveSIGKILL() async throws {
        try await withTemporaryDirectory { directory in
            let ackPath = directory.appendingPathComponent("acks").path
            #expect(FileManager.default.createFile(atPath: ackPath, contents: nil))

            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            child.arguments = ["--testing-library", "swift-testing", "--filter", Self.childTestName]
            var environment = ProcessInfo.processInfo.environment
            environment[Self.childEnvironmentKey] = directory.path
            child.environment = environment
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            defer {
                if child.isRunning {
                    kill(child.processIdentifier, SIGKILL)
                    child.waitUntilExit()
                }
            }

            // Wait (with a deadline, not a sleep) until the child has acknowledged some writes.
            let deadline = ContinuousClock.now + .seconds(60)
            var acknowledged = 0
            while acknowledged < 40, child.isRunning, ContinuousClock.now < deadline {
                acknowledged = Self.readAcks(ackPath).count
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(child.isRunning, "the child exited before it was killed")
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal)
            #expect(child.terminationStatus == SIGKILL)

            let acks = Self.readAcks(ackPath)
            #expect(acks.count >= 40)
            let store = try await SQLiteStore.open(
                path: directory.appendingPathComponent("state.db").path, logger: testLogger
            )
            let stored = try await store.list(prefix: "acked/")
            let storedKeys = Set(stored.map(\.key))
            let missing = acks.filter { !storedKeys.contains("acked/\(String(format: "%06d", $0))") }
            #expect(missing.isEmpty, "acknowledged writes lost: \(missing)")
            // At most the write in flight at the kill can be stored without its ack.
            #expect(stored.count <= acks.count + 1)
            #expect(try await store.currentRevision() == Int64(stored.count))
            try await store.close()
        }
    }

    /// The child half of `acknowledgedWritesSurviveSIGKILL`; runs only inside that test's child.
    @Test(.enabled(if: childDirectory != nil, "runs only as the child of the SIGKILL test"))
    func childWritesUntilKilled() async throws {
        let directory = try #require(Self.childDirectory)
        let store = try await SQLiteStore.open(path: directory + "/state.db", logger: testLogger)
        let acks = try #require(FileHandle(forWritingAtPath: directory + "/acks"))
        for index in 0..<100_000 {
            try await store.put("acked/\(String(format: "%06d", index))", Data(text: "value \(index)"))
            // A write(2) per ack: it reaches the kernel before the next write starts.
            try acks.write(contentsOf: Data("\(index)\n".utf8))
        }
        Issue.record("the child was not killed")
        try await store.close()
    }

    private static func readAcks(_ path: String) -> [Int] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
    }
}
#endif

import Foundation
import Logging
import Testing
import WharfEtcd
import WharfEtcdTestSupport
@testable import WharfStore

/// A way to make a fresh store in a temporary directory, so that one behavioural suite runs against
/// every `StateStore` implementation.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable (_ directory: URL) async throws -> any StateStore

    var testDescription: String { name }

    static let memory = StoreFactory(name: "MemoryStore") { _ in MemoryStore() }
    static let sqlite = StoreFactory(name: "SQLiteStore") { directory in
        try await SQLiteStore.open(path: directory.appendingPathComponent("state.db").path, logger: testLogger)
    }
    /// An `EtcdStore` under a prefix of its own in the test process's shared etcd member.
    static let etcd = StoreFactory(name: "EtcdStore") { _ in
        EtcdStore(client: try await SharedEtcdClient.instance.get(), prefix: "/wharf-test/\(UUID().uuidString)/", logger: testLogger)
    }
    /// Every implementation; etcd only when `EtcdTestCluster.shouldRun` (installed, or required by
    /// `WHARF_REQUIRE_ETCD=1`, in which case a missing etcd fails its runs with a message saying so).
    static let all = [memory, sqlite] + (EtcdTestCluster.shouldRun ? [etcd] : [])

    /// Runs `body` with a new store in a new temporary directory; closes the store and removes the
    /// directory afterwards, also when `body` throws.
    func withStore(_ body: (any StateStore) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let store = try await make(directory)
            do {
                try await body(store)
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
        }
    }
}

/// One etcd client for the whole test process, on the shared etcd member; never shut down (it
/// lives as long as the process).
actor SharedEtcdClient {
    static let instance = SharedEtcdClient()
    /// Started once; concurrent first callers await the same task (an actor may interleave at `await`).
    private var starting: Task<EtcdClient, any Error>?

    func get() async throws -> EtcdClient {
        if let starting { return try await starting.value }
        let task = Task {
            let cluster = try await EtcdTestCluster.shared()
            return EtcdClient(endpoints: cluster.clientURLs, logger: testLogger, requestTimeout: .seconds(10))
        }
        starting = task
        return try await task.value
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "wharf.store.tests")
    logger.logLevel = .warning
    return logger
}()

/// Creates a unique directory under the system temporary directory for `body` and removes it after.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("wharf-store-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

extension Data {
    /// UTF-8 bytes of `string`, for readable test values.
    init(text string: String) {
        self = Data(string.utf8)
    }
}

extension StoredValue {
    var text: String { String(decoding: value, as: UTF8.self) }
}

import Foundation
import Logging
import WharfEtcd
import WharfEtcdTestSupport

/// The shared etcd member and a client on it, for tests that keep apart by key prefix.
enum EtcdTestEnvironment {
    static let logger: Logger = {
        var logger = Logger(label: "wharf.etcd.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with a new client on the shared etcd member and a prefix no other test uses;
    /// shuts the client down afterwards.
    static func withClient(_ body: (EtcdClient, String) async throws -> Void) async throws {
        let cluster = try await EtcdTestCluster.shared()
        let client = EtcdClient(endpoints: cluster.clientURLs, logger: logger, requestTimeout: .seconds(10))
        let prefix = "/wharf-etcd-test/\(UUID().uuidString)/"
        do {
            try await body(client, prefix)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}

/// Polls `condition` every 20 ms until it holds, or throws at the deadline.
func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw EtcdTestError("timed out after \(timeout) waiting until \(what)")
}

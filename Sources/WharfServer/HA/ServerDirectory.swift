import Foundation
import Logging
import WharfEtcd
import WharfModel

/// The servers of an HA cluster, as each announces itself under `<prefix>servers/<id>`: an entry
/// tied to the server's own lease (it vanishes a few seconds after the server dies) and refreshed
/// with its last contact. Read by `/v1/wharf/servers` and `wharf server members`.
final class ServerDirectory: Sendable {
    private let client: EtcdClient
    private let configuration: HAConfiguration
    private let record: ServerRecord
    private let logger: Logger

    /// Seconds between refreshes of the entry; its lease lives three times as long.
    static let refreshSeconds = 2.0

    init(client: EtcdClient, configuration: HAConfiguration, record: ServerRecord, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.record = record
        self.logger = logger
    }

    /// Keeps this server's entry until cancelled, then removes it. etcd being away is logged and
    /// waited out.
    func run() async {
        var lease: Int64?
        var failing = false
        while !Task.isCancelled {
            do {
                if let id = lease, try await client.keepAliveOnce(leaseId: id) > 0 {
                    // Renewed; the entry is rewritten below with the new contact time.
                } else {
                    lease = try await client.grantLease(ttlSeconds: Int64(Self.refreshSeconds * 3)).id
                }
                var entry = record
                entry.lastContact = Timestamp.now()
                _ = try await client.put(key: configuration.serversPrefix + record.id, value: try JSONEncoder().encode(entry), lease: lease ?? 0)
                if failing { logger.notice("server entry refreshed in etcd again") }
                failing = false
            } catch {
                if !failing { logger.warning("cannot refresh this server's entry in etcd; retrying", metadata: ["error": "\(error)"]) }
                failing = true
                lease = nil
            }
            try? await Task.sleep(for: .milliseconds(Int64(Self.refreshSeconds * 1000)))
        }
        // In a task of its own: this one is cancelled, which would cancel the request too.
        if let lease {
            let client = self.client
            do {
                try await Task { try await client.revokeLease(lease) }.value
            } catch {
                logger.info("server entry not removed; it expires with its lease", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Every server's entry, by id order; an entry that does not decode is skipped and logged.
    func members() async throws -> [ServerRecord] {
        let result = try await client.range(.prefix(configuration.serversPrefix))
        return result.kvs.compactMap { kv in
            do {
                return try JSONDecoder().decode(ServerRecord.self, from: kv.value)
            } catch {
                logger.warning("server entry in etcd cannot be read; skipped", metadata: ["key": "\(kv.key)", "error": "\(error)"])
                return nil
            }
        }
    }
}

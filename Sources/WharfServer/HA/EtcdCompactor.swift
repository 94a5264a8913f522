import Logging
import WharfEtcd

/// Compacts old etcd revisions while this server leads, as Kubernetes' API server does: every
/// interval, to the revision that was current one interval ago, so that readers and watchers
/// always have at least one interval of history. etcd 3.4 compacts nothing by itself, and its
/// database would otherwise grow with every status update for ever.
struct EtcdCompactor {
    let client: EtcdClient
    let intervalSeconds: Double
    let logger: Logger

    /// Runs until cancelled.
    func run() async {
        var previous: Int64?
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(Int64(intervalSeconds * 1000)))
            } catch {
                return
            }
            do {
                let current = try await client.range(.init(key: "\u{0}", countOnly: true)).header.revision
                if let target = previous, target > 1 {
                    try await client.compact(revision: target)
                    logger.info("etcd history compacted", metadata: ["revision": "\(target)", "current": "\(current)"])
                }
                previous = current
            } catch let EtcdError.server(_, message) where message.contains("compacted") {
                // Another compaction (etcd's own, or an operator's) went further: nothing to do.
            } catch {
                logger.warning("etcd compaction failed; trying again next interval", metadata: ["error": "\(error)"])
            }
        }
    }
}

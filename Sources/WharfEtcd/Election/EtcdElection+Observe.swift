import Foundation

extension EtcdElection {
    /// The election's leader whenever it changes (nil while there is none), starting with the
    /// current one: a read of the oldest key under `prefix`, then a watch of the prefix; every
    /// change is read again. Read errors and compaction restart it after a backoff (up to 2 s).
    /// Ending the iteration stops it.
    public nonisolated func observe() -> AsyncStream<EtcdLeaderInfo?> {
        let (stream, continuation) = AsyncStream.makeStream(of: EtcdLeaderInfo?.self, bufferingPolicy: .bufferingNewest(16))
        let task = Task { [client, prefix, logger] in
            var last: EtcdLeaderInfo??
            var backoff = Duration.milliseconds(100)
            func publish(_ leader: EtcdLeaderInfo?) {
                if last != .some(leader) {
                    last = .some(leader)
                    continuation.yield(leader)
                }
            }
            let oldest = EtcdRangeRequest.prefix(prefix, limit: 1, sortOrder: .ascend, sortTarget: .create)
            func leader(_ result: EtcdRangeResult) -> EtcdLeaderInfo? {
                result.kvs.first.map { EtcdLeaderInfo(key: $0.key, value: $0.value, epoch: $0.createRevision) }
            }
            while !Task.isCancelled {
                do {
                    let current = try await client.range(oldest)
                    publish(leader(current))
                    backoff = .milliseconds(100)
                    for try await response in client.watch(.prefix(prefix, startRevision: current.header.revision + 1)) where !response.events.isEmpty {
                        publish(leader(try await client.range(oldest)))
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.info("election observer restarts", metadata: ["error": "\(error)"])
                    do {
                        try await Task.sleep(for: backoff)
                    } catch {
                        break
                    }
                    backoff = min(backoff * 2, .seconds(2))
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

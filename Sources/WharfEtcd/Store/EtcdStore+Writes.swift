import Foundation
import WharfStore

extension EtcdStore {
    /// Sends `operations` as one etcd transaction guarded by their conditions and the fence; on
    /// failure reports the fence or the first failing condition.
    func write(_ operations: [StoreOperation]) async throws -> EtcdTxnResult {
        try checkOpen()
        for operation in operations { try operation.validate() }
        try operations.checkCount(limit: maxOperationsPerTransaction)
        for case let .put(key, value, _) in operations where value.count > maxValueBytes {
            throw StoreError.backend(
                "the value of '\(key)' is \(value.count) bytes; etcd accepts at most about 1.5 MiB per request (--max-request-bytes), this store \(maxValueBytes) bytes per value"
            )
        }
        let fence = self.fence
        var compares: [EtcdCompare] = []
        var failureReads: [String] = []
        if let fence {
            compares.append(EtcdCompare(key: fence.key, target: .create(fence.createRevision)))
            failureReads.append(fence.key)
        }
        for operation in operations {
            guard let (key, expected) = operation.condition else { continue }
            compares.append(EtcdCompare(key: prefix + key, target: .mod(expected)))
            if !failureReads.contains(prefix + key) { failureReads.append(prefix + key) }
        }
        let success = EtcdStore.netEffect(of: operations, prefix: prefix)
        let failure = failureReads.map { EtcdRequestOp.range(EtcdRangeRequest(key: $0, keysOnly: true)) }

        let result: EtcdTxnResult
        do {
            result = try await client.txn(compare: compares, success: success, failure: failure)
        } catch EtcdError.tooManyOperations {
            // Deletes split around puts of keys they cover can outgrow the limit.
            throw StoreError.tooManyOperations(count: success.count, limit: maxOperationsPerTransaction)
        } catch let error as EtcdError {
            throw Self.storeError(error)
        }
        if result.succeeded { return result }
        try reportFailure(result, operations: operations, fence: fence, reads: failureReads)
        return result
    }

    /// Throws the `StoreError` a failed transaction stands for.
    private func reportFailure(_ result: EtcdTxnResult, operations: [StoreOperation], fence: EtcdFence?, reads: [String]) throws {
        var current: [String: EtcdKeyValue?] = [:]
        for (key, response) in zip(reads, result.responses) {
            guard case let .range(range) = response else {
                throw StoreError.backend("etcd answered a failed transaction with \(response) instead of a read of '\(key)'")
            }
            current[key] = range.kvs.first
        }
        if let fence {
            let actual = current[fence.key].flatMap { $0 }?.createRevision ?? 0
            if actual != fence.createRevision {
                logger.warning("a write was fenced off: the leader key changed", metadata: [
                    "fence-key": "\(fence.key)", "epoch": "\(fence.createRevision)", "found": "\(actual)",
                ])
                throw StoreError.fenced(
                    actual == 0
                        ? "its election key \(fence.key) (epoch \(fence.createRevision)) is gone (lease expired or revoked)"
                        : "its election key \(fence.key) has epoch \(actual), not \(fence.createRevision)"
                )
            }
        }
        if let conflict = StoreOperation.firstConflict(in: operations, currentRevision: { key in
            current[prefix + key].flatMap { $0 }?.modRevision ?? 0
        }) {
            throw conflict
        }
        throw StoreError.backend("etcd refused a transaction whose conditions all held when read back; retry it")
    }

    /// The etcd operations with the effect of `operations` applied in order. etcd refuses a put of a
    /// key that another put or a delete of the same transaction also covers, so a later put replaces
    /// an earlier put of its key and is cut out of earlier deletes, and a later delete drops earlier
    /// puts it covers.
    static func netEffect(of operations: [StoreOperation], prefix: String) -> [EtcdRequestOp] {
        var effects: [Effect] = []
        for operation in operations {
            switch operation {
            case let .put(key, value, _):
                let bytes = Array((prefix + key).utf8)
                effects = effects.flatMap { $0.excluding(bytes) }
                effects.append(.put(bytes, value))
            case let .delete(key, _):
                let bytes = Array((prefix + key).utf8)
                effects.removeAll { $0.isPut(within: bytes, end: nil) }
                effects.append(.delete(bytes, end: nil))
            case let .deletePrefix(keyPrefix):
                let start = Array((prefix + keyPrefix).utf8)
                let end = EtcdKeys.prefixEnd(bytes: start)
                effects.removeAll { $0.isPut(within: start, end: end) }
                effects.append(.delete(start, end: end))
            }
        }
        return effects.map(\.requestOp)
    }

    /// One write of a transaction, keys as bytes (a range split at a key need not be valid UTF-8).
    private enum Effect {
        case put([UInt8], Data)
        /// A delete of one key (`end` nil) or of `[start, end)`; `end == [0]` is the end of the keyspace.
        case delete([UInt8], end: [UInt8]?)

        var requestOp: EtcdRequestOp {
            switch self {
            case let .put(key, value):
                return .put(key: String(decoding: key, as: UTF8.self), value: value)
            case let .delete(start, end):
                return .deleteRange(key: String(decoding: start, as: UTF8.self), rangeEnd: end)
            }
        }

        func isPut(within start: [UInt8], end: [UInt8]?) -> Bool {
            guard case let .put(key, _) = self else { return false }
            return Effect.contains(start: start, end: end, key)
        }

        /// This effect without any write of `key` (a later put of `key` replaces it).
        func excluding(_ key: [UInt8]) -> [Effect] {
            switch self {
            case let .put(own, _):
                return own == key ? [] : [self]
            case let .delete(start, nil):
                return start == key ? [] : [self]
            case let .delete(start, end?):
                guard Effect.contains(start: start, end: end, key) else { return [self] }
                var pieces: [Effect] = []
                if start.lexicographicallyPrecedes(key) { pieces.append(.delete(start, end: key)) }
                let after = key + [0]
                if end == [0] || after.lexicographicallyPrecedes(end) { pieces.append(.delete(after, end: end)) }
                return pieces
            }
        }

        static func contains(start: [UInt8], end: [UInt8]?, _ key: [UInt8]) -> Bool {
            guard let end else { return key == start }
            return !key.lexicographicallyPrecedes(start) && (end == [0] || key.lexicographicallyPrecedes(end))
        }
    }
}

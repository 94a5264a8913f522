import Foundation

extension EtcdClient {
    /// Reads a key or a range. A read at a compacted `revision` throws `EtcdError.compacted`.
    public func range(_ request: EtcdRangeRequest) async throws -> EtcdRangeResult {
        do {
            return try EtcdRangeResult(gateway: await call("/v3/kv/range", request.gatewayBody, retry: .always))
        } catch let EtcdError.server(code, message) where code == 11 && message.contains("compacted") {
            throw EtcdError.compacted(request.revision)
        }
    }

    /// Runs a transaction: if every compare holds, the `success` operations, else the `failure` ones,
    /// atomically at one revision. etcd refuses two writes of one key in one branch.
    public func txn(compare: [EtcdCompare], success: [EtcdRequestOp], failure: [EtcdRequestOp]) async throws -> EtcdTxnResult {
        let body: [String: Any] = [
            "compare": compare.map(\.gatewayBody),
            "success": success.map(\.gatewayBody),
            "failure": failure.map(\.gatewayBody),
        ]
        let readOnly = (success + failure).allSatisfy { if case .range = $0 { true } else { false } }
        do {
            return try EtcdTxnResult(gateway: await call("/v3/kv/txn", body, retry: readOnly ? .always : .onlyUnsent))
        } catch let EtcdError.server(code, message) where code == 11 && message.contains("compacted") {
            throw EtcdError.compacted(0)
        }
    }

    /// Writes `value` under `key`, attached to `lease` (0 for none).
    @discardableResult
    public func put(key: String, value: Data, lease: Int64 = 0) async throws -> EtcdPutResult {
        var body: [String: Any] = ["key": GatewayEncoding.bytes(key), "value": GatewayEncoding.bytes(value)]
        if lease != 0 { body["lease"] = GatewayEncoding.int64(lease) }
        let answer = try await call("/v3/kv/put", body, retry: .onlyUnsent)
        return EtcdPutResult(header: try EtcdResponseHeader(gateway: answer.object("header")))
    }

    /// Deletes `key`, or every key in `[key, rangeEnd)`.
    @discardableResult
    public func deleteRange(key: String, rangeEnd: [UInt8]? = nil) async throws -> EtcdDeleteResult {
        var body: [String: Any] = ["key": GatewayEncoding.bytes(key)]
        if let rangeEnd { body["range_end"] = GatewayEncoding.bytes(rangeEnd) }
        let answer = try await call("/v3/kv/deleterange", body, retry: .onlyUnsent)
        return EtcdDeleteResult(header: try EtcdResponseHeader(gateway: answer.object("header")), deleted: try answer.int64("deleted"))
    }

    /// Discards the history before `revision` (etcd 3.4 keeps every revision until told otherwise).
    /// With `physical`, returns only once the space is reclaimed. Compacting at or below the current
    /// compaction point throws `EtcdError.compacted`.
    public func compact(revision: Int64, physical: Bool = false) async throws {
        var body: [String: Any] = ["revision": GatewayEncoding.int64(revision)]
        if physical { body["physical"] = true }
        do {
            _ = try await call("/v3/kv/compaction", body, retry: .always)
        } catch let EtcdError.server(code, message) where code == 11 && message.contains("compacted") {
            throw EtcdError.compacted(revision)
        }
    }
}

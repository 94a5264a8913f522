import Foundation

// Reading the gateway's answers into the public value types.

extension EtcdResponseHeader {
    init(gateway json: GatewayJSON) throws {
        self.init(
            clusterId: try json.uint64("cluster_id"), memberId: try json.uint64("member_id"),
            revision: try json.int64("revision"), raftTerm: try json.uint64("raft_term")
        )
    }
}

extension EtcdKeyValue {
    init(gateway json: GatewayJSON) throws {
        self.init(
            key: String(decoding: try json.bytes("key"), as: UTF8.self), value: try json.bytes("value"),
            createRevision: try json.int64("create_revision"), modRevision: try json.int64("mod_revision"),
            version: try json.int64("version"), lease: try json.int64("lease")
        )
    }
}

extension EtcdRangeResult {
    init(gateway json: GatewayJSON) throws {
        self.init(
            header: try EtcdResponseHeader(gateway: json.object("header")),
            kvs: try json.objects("kvs").map(EtcdKeyValue.init(gateway:)),
            more: try json.bool("more"), count: try json.int64("count")
        )
    }
}

extension EtcdTxnResult {
    init(gateway json: GatewayJSON) throws {
        let responses: [EtcdResponseOp] = try json.objects("responses").map { op in
            if let range = try op.optionalObject("response_range") {
                return .range(try EtcdRangeResult(gateway: range))
            }
            if let put = try op.optionalObject("response_put") {
                return .put(EtcdPutResult(header: try EtcdResponseHeader(gateway: put.object("header"))))
            }
            if let delete = try op.optionalObject("response_delete_range") {
                return .deleteRange(EtcdDeleteResult(
                    header: try EtcdResponseHeader(gateway: delete.object("header")), deleted: try delete.int64("deleted")
                ))
            }
            throw EtcdError.badResponse("unknown transaction response \(Array(op.object.keys))")
        }
        self.init(
            header: try EtcdResponseHeader(gateway: json.object("header")),
            succeeded: try json.bool("succeeded"), responses: responses
        )
    }
}

extension EtcdEvent {
    init(gateway json: GatewayJSON) throws {
        let typeName = try json.string("type")
        guard let type = typeName.isEmpty ? .put : EtcdEvent.Kind(rawValue: typeName) else {
            throw EtcdError.badResponse("unknown watch event type '\(typeName)'")
        }
        self.init(
            type: type, kv: try EtcdKeyValue(gateway: json.object("kv")),
            prevKV: try json.optionalObject("prev_kv").map(EtcdKeyValue.init(gateway:))
        )
    }
}

extension EtcdWatchResponse {
    /// The `result` of one line of a watch stream; `created` is whether it only confirms the watch.
    static func decode(gateway json: GatewayJSON) throws -> (response: EtcdWatchResponse, created: Bool, cancelReason: String) {
        let response = EtcdWatchResponse(
            header: try EtcdResponseHeader(gateway: json.object("header")),
            events: try json.objects("events").map(EtcdEvent.init(gateway:)),
            compactRevision: try json.int64("compact_revision"), canceled: try json.bool("canceled")
        )
        return (response, try json.bool("created"), try json.string("cancel_reason"))
    }
}

extension EtcdMember {
    init(gateway json: GatewayJSON) throws {
        self.init(
            id: try json.uint64("ID"), name: try json.string("name"), peerURLs: try json.strings("peerURLs"),
            clientURLs: try json.strings("clientURLs"), isLearner: try json.bool("isLearner")
        )
    }
}

extension EtcdStatus {
    init(endpoint: String, gateway json: GatewayJSON) throws {
        self.init(
            endpoint: endpoint, header: try EtcdResponseHeader(gateway: json.object("header")),
            version: try json.string("version"), leader: try json.uint64("leader"), raftTerm: try json.uint64("raftTerm"),
            raftIndex: try json.uint64("raftIndex"), dbSize: try json.int64("dbSize"),
            dbSizeInUse: try json.int64("dbSizeInUse"), errors: try json.strings("errors")
        )
    }
}

extension EtcdLeaseTimeToLive {
    init(gateway json: GatewayJSON) throws {
        let keys = try (json.object["keys"] as? [String] ?? []).map { encoded -> String in
            guard let data = Data(base64Encoded: encoded) else { throw EtcdError.badResponse("lease key is not base64") }
            return String(decoding: data, as: UTF8.self)
        }
        self.init(id: try json.int64("ID"), ttl: try json.int64("TTL"), grantedTTL: try json.int64("grantedTTL"), keys: keys)
    }
}

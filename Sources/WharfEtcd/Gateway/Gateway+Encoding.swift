import Foundation

// Writing the public request types as gateway JSON (defaults omitted, as proto3 JSON does).

extension EtcdRangeRequest {
    var gatewayBody: [String: Any] {
        var body: [String: Any] = ["key": GatewayEncoding.bytes(key)]
        if let rangeEnd { body["range_end"] = GatewayEncoding.bytes(rangeEnd) }
        if limit != 0 { body["limit"] = GatewayEncoding.int64(limit) }
        if revision != 0 { body["revision"] = GatewayEncoding.int64(revision) }
        if sortOrder != .none { body["sort_order"] = sortOrder.rawValue }
        if sortTarget != .key { body["sort_target"] = sortTarget.rawValue }
        if serializable { body["serializable"] = true }
        if keysOnly { body["keys_only"] = true }
        if countOnly { body["count_only"] = true }
        if minCreateRevision != 0 { body["min_create_revision"] = GatewayEncoding.int64(minCreateRevision) }
        if maxCreateRevision != 0 { body["max_create_revision"] = GatewayEncoding.int64(maxCreateRevision) }
        return body
    }
}

extension EtcdCompare {
    var gatewayBody: [String: Any] {
        var body: [String: Any] = ["key": GatewayEncoding.bytes(key), "result": result.rawValue]
        switch target {
        case let .create(revision):
            body["target"] = "CREATE"
            body["create_revision"] = GatewayEncoding.int64(revision)
        case let .mod(revision):
            body["target"] = "MOD"
            body["mod_revision"] = GatewayEncoding.int64(revision)
        case let .version(version):
            body["target"] = "VERSION"
            body["version"] = GatewayEncoding.int64(version)
        case let .value(value):
            body["target"] = "VALUE"
            body["value"] = GatewayEncoding.bytes(value)
        case let .lease(lease):
            body["target"] = "LEASE"
            body["lease"] = GatewayEncoding.int64(lease)
        }
        return body
    }
}

extension EtcdRequestOp {
    var gatewayBody: [String: Any] {
        switch self {
        case let .range(request):
            return ["request_range": request.gatewayBody]
        case let .put(key, value, lease):
            var put: [String: Any] = ["key": GatewayEncoding.bytes(key), "value": GatewayEncoding.bytes(value)]
            if lease != 0 { put["lease"] = GatewayEncoding.int64(lease) }
            return ["request_put": put]
        case let .deleteRange(key, rangeEnd):
            var delete: [String: Any] = ["key": GatewayEncoding.bytes(key)]
            if let rangeEnd { delete["range_end"] = GatewayEncoding.bytes(rangeEnd) }
            return ["request_delete_range": delete]
        }
    }
}

extension EtcdWatchRequest {
    var gatewayBody: [String: Any] {
        var create: [String: Any] = ["key": GatewayEncoding.bytes(key)]
        if let rangeEnd { create["range_end"] = GatewayEncoding.bytes(rangeEnd) }
        if startRevision != 0 { create["start_revision"] = GatewayEncoding.int64(startRevision) }
        if progressNotify { create["progress_notify"] = true }
        if prevKV { create["prev_kv"] = true }
        return ["create_request": create]
    }
}

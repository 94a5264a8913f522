import Foundation
import Testing
@testable import WharfEtcd
@testable import WharfStore

/// Reading and writing the JSON gateway's conventions, without etcd: omitted defaults, int64 as
/// strings, base64 bytes. The samples are answers captured from etcd 3.4.23.
@Suite("etcd gateway JSON", .timeLimit(.minutes(1)))
struct GatewayJSONTests {
    private func json(_ text: String) throws -> GatewayJSON {
        try GatewayJSON(data: Data(text.utf8))
    }

    @Test func rangeWithOmittedDefaultsAndStringInt64s() throws {
        let full = try EtcdRangeResult(gateway: json("""
            {"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"16","raft_term":"2"},
             "kvs":[{"key":"cC8x","create_revision":"14","mod_revision":"14","version":"1"}],"more":true,"count":"3"}
            """))
        #expect(full.header.revision == 16)
        #expect(full.header.clusterId == 15_118_495_548_433_857_066)
        #expect(full.more)
        #expect(full.count == 3)
        // keys_only: the value is omitted, which reads as empty bytes; no lease reads as 0.
        #expect(full.kvs == [EtcdKeyValue(key: "p/1", value: Data(), createRevision: 14, modRevision: 14, version: 1, lease: 0)])

        let empty = try EtcdRangeResult(gateway: json(#"{"header":{"revision":"2","raft_term":"2"}}"#))
        #expect(empty.kvs.isEmpty)
        #expect(empty.count == 0)
        #expect(!empty.more)
    }

    @Test func failedTransactionHasNoSucceededField() throws {
        let failed = try EtcdTxnResult(gateway: json("""
            {"header":{"revision":"2"},"responses":[{"response_range":{"header":{"revision":"2"},
             "kvs":[{"key":"YQ==","create_revision":"2","mod_revision":"2","version":"1","value":"MQ=="}],"count":"1"}}]}
            """))
        #expect(!failed.succeeded)
        guard case let .range(range)? = failed.responses.first else {
            Issue.record("expected a range response, got \(failed.responses)")
            return
        }
        #expect(range.kvs.first?.value == Data("1".utf8))
        let succeeded = try EtcdTxnResult(gateway: json("""
            {"header":{"revision":"13"},"succeeded":true,"responses":[
             {"response_delete_range":{"header":{"revision":"13"},"deleted":"128"}},
             {"response_delete_range":{"header":{"revision":"13"}}},{"response_put":{"header":{"revision":"13"}}}]}
            """))
        #expect(succeeded.succeeded)
        #expect(succeeded.responses == [
            .deleteRange(EtcdDeleteResult(header: EtcdResponseHeader(revision: 13), deleted: 128)),
            .deleteRange(EtcdDeleteResult(header: EtcdResponseHeader(revision: 13), deleted: 0)),
            .put(EtcdPutResult(header: EtcdResponseHeader(revision: 13))),
        ])
    }

    @Test func watchEventsWithoutTypeArePuts() throws {
        let put = try EtcdWatchResponse.decode(gateway: json("""
            {"header":{"revision":"11"},"events":[{"kv":{"key":"dy8x","create_revision":"10","mod_revision":"11","version":"2","value":"eQ=="},
             "prev_kv":{"key":"dy8x","create_revision":"10","mod_revision":"10","version":"1","value":"eA=="}}]}
            """))
        #expect(put.response.events.map(\.type) == [.put])
        #expect(put.response.events.first?.prevKV?.value == Data("x".utf8))
        #expect(!put.response.isProgressNotify)
        let delete = try EtcdWatchResponse.decode(gateway: json("""
            {"header":{"revision":"12"},"events":[{"type":"DELETE","kv":{"key":"dy8x","mod_revision":"12"}}]}
            """))
        #expect(delete.response.events.first?.type == .delete)
        #expect(delete.response.events.first?.kv.modRevision == 12)
        #expect(delete.response.events.first?.prevKV == nil)
        let canceled = try EtcdWatchResponse.decode(gateway: json(#"{"header":{"raft_term":"2"},"canceled":true,"compact_revision":"3"}"#))
        #expect(canceled.response.canceled)
        #expect(canceled.response.compactRevision == 3)
        let created = try EtcdWatchResponse.decode(gateway: json(#"{"header":{"revision":"12"},"created":true}"#))
        #expect(created.created)
        let progress = try EtcdWatchResponse.decode(gateway: json(#"{"header":{"revision":"40"}}"#))
        #expect(progress.response.isProgressNotify)
    }

    @Test func errorsAndBadAnswers() throws {
        let error = try json(#"{"error":"etcdserver: too many operations in txn request","message":"etcdserver: too many operations in txn request","code":3}"#)
        let (code, message) = try #require(try error.gatewayError())
        #expect(code == 3)
        #expect(EtcdClient.error(code: code, message: message) == .tooManyOperations)
        #expect(EtcdClient.error(code: 3, message: "etcdserver: request is too large") == .requestTooLarge)
        #expect(EtcdClient.error(code: 8, message: "grpc: received message larger than max (2200010 vs. 2097152)") == .requestTooLarge)
        let streamError = try json(#"{"error":{"grpc_code":14,"http_code":503,"message":"transport is closing"}}"#)
        #expect(try streamError.gatewayError()?.code == 14)
        #expect(throws: EtcdError.self) { try json("<html>") }
        #expect(throws: EtcdError.self) { try json(#"{"header":{"revision":"x"}}"#).object("header").int64("revision") }
        #expect(try json(#"{"result":{"ID":"4111120496956600862"}}"#).object("result").int64("TTL") == 0)
    }

    @Test func requestsOmitDefaultsAndEncodeBytes() throws {
        let request = EtcdRangeRequest.prefix("a/", limit: 5, revision: 9, sortOrder: .ascend, sortTarget: .create)
        let body = request.gatewayBody
        #expect(body["key"] as? String == "YS8=")
        #expect(body["range_end"] as? String == "YTA=")
        #expect(body["limit"] as? String == "5")
        #expect(body["revision"] as? String == "9")
        #expect(body["sort_target"] as? String == "CREATE")
        #expect(body["keys_only"] == nil)
        let compare = EtcdCompare(key: "k", target: .create(0)).gatewayBody
        #expect(compare["target"] as? String == "CREATE")
        #expect(compare["create_revision"] as? String == "0")
        #expect(compare["result"] as? String == "EQUAL")
        let put = EtcdRequestOp.put(key: "k", value: Data([0, 255]), lease: 7).gatewayBody["request_put"] as? [String: Any]
        #expect(put?["value"] as? String == "AP8=")
        #expect(put?["lease"] as? String == "7")
    }

    @Test func prefixEnd() {
        #expect(EtcdKeys.prefixEnd("a/") == Array("a0".utf8))
        #expect(EtcdKeys.prefixEnd(bytes: [0x61, 0xFF]) == [0x62])
        #expect(EtcdKeys.prefixEnd(bytes: [0xFF, 0xFF]) == [0])
        #expect(EtcdKeys.prefixEnd("") == [0])
        #expect(EtcdKeys.prefixEnd("\u{10FFFF}") == [0xF4, 0x8F, 0xBF, 0xC0])
    }

    /// etcd refuses two writes of one key in a transaction; the store sends their net effect.
    @Test func netEffectOfStoreOperations() {
        let ops = EtcdStore.netEffect(of: [
            .put(key: "k", value: Data("1".utf8)),
            .put(key: "k", value: Data("2".utf8)),
            .deletePrefix("a/"),
            .put(key: "a/m", value: Data("3".utf8)),
            .put(key: "gone", value: Data()),
            .delete(key: "gone"),
        ], prefix: "/p/")
        #expect(ops == [
            .put(key: "/p/k", value: Data("2".utf8)),
            .deleteRange(key: "/p/a/", rangeEnd: Array("/p/a/m".utf8)),
            .deleteRange(key: "/p/a/m\u{0}", rangeEnd: Array("/p/a0".utf8)),
            .put(key: "/p/a/m", value: Data("3".utf8)),
            .deleteRange(key: "/p/gone", rangeEnd: nil),
        ])
        // A put at the very start of a deleted range leaves only the part after it.
        #expect(EtcdStore.netEffect(of: [.deletePrefix("x"), .put(key: "x", value: Data())], prefix: "") == [
            .deleteRange(key: "x\u{0}", rangeEnd: Array("y".utf8)),
            .put(key: "x", value: Data()),
        ])
    }
}

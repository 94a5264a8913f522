import Foundation

extension EtcdClient {
    /// Grants a lease of `ttlSeconds` (etcd raises it to its minimum, 2 s with default settings).
    public func grantLease(ttlSeconds: Int64) async throws -> EtcdLeaseGrant {
        let answer = try await call("/v3/lease/grant", ["TTL": GatewayEncoding.int64(ttlSeconds)], retry: .onlyUnsent)
        let grant = EtcdLeaseGrant(id: try answer.int64("ID"), ttl: try answer.int64("TTL"))
        guard grant.id != 0 else { throw EtcdError.badResponse("lease grant without an ID") }
        return grant
    }

    /// Renews a lease once; returns its TTL in seconds, or 0 when the lease no longer exists. With
    /// `endpoint`, asks that member only (no failover); `timeout` bounds the wait for each member
    /// (default: the client's request timeout).
    public func keepAliveOnce(leaseId: Int64, endpoint: String? = nil, timeout: Duration? = nil) async throws -> Int64 {
        let answer = try await call("/v3/lease/keepalive", ["ID": GatewayEncoding.int64(leaseId)], retry: .always,
                                    only: endpoint, timeout: timeout)
        // The keepalive endpoint is a stream: its one message is wrapped in `result`.
        return try answer.object("result").int64("TTL")
    }

    /// Revokes a lease, deleting every key attached to it. A lease that no longer exists is not an error.
    public func revokeLease(_ leaseId: Int64) async throws {
        do {
            _ = try await call("/v3/lease/revoke", ["ID": GatewayEncoding.int64(leaseId)], retry: .always)
        } catch let EtcdError.server(code, message) where code == 5 || message.contains("lease not found") {
            return
        }
    }

    /// What etcd knows of a lease: remaining TTL (-1 when gone), granted TTL and, with `keys`, its keys.
    public func leaseTimeToLive(_ leaseId: Int64, keys: Bool = false) async throws -> EtcdLeaseTimeToLive {
        var body: [String: Any] = ["ID": GatewayEncoding.int64(leaseId)]
        if keys { body["keys"] = true }
        return try EtcdLeaseTimeToLive(gateway: await call("/v3/lease/timetolive", body, retry: .always))
    }
}

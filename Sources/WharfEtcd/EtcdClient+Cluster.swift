import Foundation

extension EtcdClient {
    /// The members of the cluster, as the answering member knows them.
    public func memberList() async throws -> [EtcdMember] {
        try await call("/v3/cluster/member/list", [:], retry: .always).objects("members").map(EtcdMember.init(gateway:))
    }

    /// The status of the first member that answers (version, leader, Raft term, database size).
    public func status() async throws -> EtcdStatus {
        let answer = try await call("/v3/maintenance/status", [:], retry: .always)
        return try EtcdStatus(endpoint: currentEndpoint ?? "", gateway: answer)
    }

    /// The status of the member behind one endpoint (which need not be one of `endpoints`).
    public func status(endpoint: String) async throws -> EtcdStatus {
        let endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        return try EtcdStatus(endpoint: endpoint, gateway: await call("/v3/maintenance/status", [:], retry: .always, only: endpoint))
    }
}

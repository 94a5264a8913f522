import Foundation
import WharfEtcdTestSupport

/// The three-member etcd of an HA test (`EtcdTestCluster`, Debian's etcd-server, which
/// `./scripts/test` installs), with lease checkpointing on as the README's set-up has it, so that
/// a lease keeps its remaining TTL when the etcd leader changes.
final class EtcdMembers {
    static var isInstalled: Bool { EtcdTestCluster.isInstalled }

    let cluster: EtcdTestCluster

    private init(cluster: EtcdTestCluster) {
        self.cluster = cluster
    }

    /// Starts three members and waits until they have a leader.
    static func start() async throws -> EtcdMembers {
        EtcdMembers(cluster: try await EtcdTestCluster.start(size: 3, arguments: ["--experimental-enable-lease-checkpoint"]))
    }

    var members: [EtcdTestMember] { cluster.members }

    /// `--etcd` for the servers.
    var endpoints: String { cluster.clientURLs.joined(separator: ",") }

    /// The index of the member that leads etcd now, as the running members say.
    func leaderIndex() async throws -> Int? {
        var ids: [String: Int] = [:]
        var leader: String?
        for (index, member) in members.enumerated() where member.isRunning {
            guard let status = try? await Self.status(member) else { continue }
            if let id = (status["header"] as? [String: Any])?["member_id"] as? String { ids[id] = index }
            if let named = status["leader"] as? String, named != "0" { leader = named }
        }
        return leader.flatMap { ids[$0] }
    }

    private static func status(_ member: EtcdTestMember) async throws -> [String: Any] {
        let result = try await MarathonClient(baseURL: member.clientURL)
            .request("POST", "/v3/maintenance/status", body: Data("{}".utf8), timeout: .seconds(2))
        return (try JSONSerialization.jsonObject(with: result.body) as? [String: Any]) ?? [:]
    }

    /// Stops every member and removes their data.
    func stop() { cluster.stop() }

    /// The tails of the members' logs.
    func logTails() -> String {
        members.map { "── etcd \($0.name) (\($0.logPath)):\n\($0.logTail())" }.joined(separator: "\n")
    }
}

import Foundation

/// A etcd cluster of one or three members on loopback ports, each with its own data dir, started
/// and killed by the test (Debian's etcd-server, which `./scripts/test` installs). Lease
/// checkpointing is on, as the README's set-up has it, so that a lease keeps its remaining TTL
/// when the etcd leader changes.
final class EtcdMembers {
    static let binary = "/usr/bin/etcd"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let clientPorts: [Int]
    let members: [ChildProcess]

    init(count: Int, root: String) throws {
        let ports = PortAllocator.shared.block(of: count * 2)
        clientPorts = (0..<count).map { ports.lowerBound + $0 * 2 }
        let peerPorts = (0..<count).map { ports.lowerBound + $0 * 2 + 1 }
        let cluster = (0..<count).map { "m\($0 + 1)=http://127.0.0.1:\(peerPorts[$0])" }.joined(separator: ",")
        let token = "wharf-test-\(UUID().uuidString.prefix(8))"
        members = try (0..<count).map { index in
            let dir = root + "/etcd\(index + 1)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return ChildProcess(name: "etcd \(index + 1)", arguments: [
                "--name", "m\(index + 1)", "--data-dir", dir + "/data",
                "--listen-client-urls", "http://127.0.0.1:\(clientPorts[index])",
                "--advertise-client-urls", "http://127.0.0.1:\(clientPorts[index])",
                "--listen-peer-urls", "http://127.0.0.1:\(peerPorts[index])",
                "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPorts[index])",
                "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
                // Debian's 3.4.23 crashes logging a configuration warning with its default logger.
                "--logger=zap", "--log-level=warn", "--experimental-enable-lease-checkpoint",
            ], logPath: dir + "/etcd.log", executable: Self.binary)
        }
    }

    /// `--etcd` for the servers.
    var endpoints: String { clientPorts.map { "http://127.0.0.1:\($0)" }.joined(separator: ",") }

    /// Starts every member and waits until the cluster has a leader.
    func start() async throws {
        guard Self.isInstalled else { throw HarnessError("\(Self.binary) is missing: ./scripts/test installs etcd-server") }
        for member in members where !member.isRunning { try member.start() }
        try await waitUntil("etcd has a leader", timeout: .seconds(60), every: .milliseconds(100)) {
            for member in members where !member.isRunning {
                throw HarnessError("\(member.name) exited: \(member.logTail())")
            }
            return try await leaderIndex() != nil
        }
    }

    /// The index of the member that leads etcd now, as a running member says.
    func leaderIndex() async throws -> Int? {
        for (index, port) in clientPorts.enumerated() where members[index].isRunning {
            guard let status = try? await Self.status(port: port),
                  let leader = status["leader"] as? String, leader != "0" else { continue }
            for (other, otherPort) in clientPorts.enumerated() where members[other].isRunning {
                if let own = try? await Self.status(port: otherPort),
                   (own["header"] as? [String: Any])?["member_id"] as? String == leader {
                    return other
                }
            }
        }
        return nil
    }

    private static func status(port: Int) async throws -> [String: Any] {
        let result = try await MarathonClient(baseURL: "http://127.0.0.1:\(port)")
            .request("POST", "/v3/maintenance/status", body: Data("{}".utf8), timeout: .seconds(2))
        return (try JSONSerialization.jsonObject(with: result.body) as? [String: Any]) ?? [:]
    }

    /// Stops every member.
    func stop() async {
        for member in members { await member.terminate() }
    }
}

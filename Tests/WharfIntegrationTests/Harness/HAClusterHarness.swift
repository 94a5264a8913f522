import Foundation
import Testing

/// A highly available cluster on this machine: a three-member etcd, three `wharf server --etcd`
/// and a few `wharf agent`s that know every server, all on free loopback ports with their own data
/// dirs. Use through `withHACluster { cluster in ... }`, which stops everything and kills every
/// task afterwards.
final class HAClusterHarness {
    /// One `wharf server`.
    final class Server {
        let index: Int
        let apiPort: Int
        let agentPort: Int
        let dataDir: String
        let process: ChildProcess
        let api: MarathonClient

        init(index: Int, apiPort: Int, agentPort: Int, dataDir: String, process: ChildProcess) {
            self.index = index
            self.apiPort = apiPort
            self.agentPort = agentPort
            self.dataDir = dataDir
            self.process = process
            api = MarathonClient(baseURL: "http://127.0.0.1:\(apiPort)")
        }

        /// How the cluster names it (`/v2/leader`, `X-Marathon-Leader`).
        var address: String { "127.0.0.1:\(apiPort)" }
    }

    static let token = ClusterHarness.token

    let root: String
    let prefix: String
    let etcd: EtcdMembers
    private(set) var servers: [Server] = []
    private(set) var nodes: [ClusterHarness.Node] = []

    private init(etcd: EtcdMembers, servers serverCount: Int, agents: Int, agentTimeout: Double, serverArguments: [String],
                 routing: Bool) throws {
        self.etcd = etcd
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-ha-\(UUID().uuidString.prefix(8).lowercased())")
        root = base.resolvingSymlinksInPath().path
        prefix = "/wharf-test-\(UUID().uuidString.prefix(8).lowercased())/"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let ports = PortAllocator.shared.block(of: serverCount * 2 + agents * 24)
        for index in 1...serverCount {
            let apiPort = ports.lowerBound + (index - 1) * 2
            let dataDir = root + "/server\(index)"
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            let process = ChildProcess(name: "server \(index)", arguments: [
                "server", "--etcd", etcd.endpoints, "--etcd-prefix", prefix, "--token", Self.token, "--data-dir", dataDir,
                "--api-port", "\(apiPort)", "--agent-port", "\(apiPort + 1)", "--bind", "127.0.0.1", "--host", "127.0.0.1",
                "--agent-timeout", "\(agentTimeout)", "--log-level", "debug",
            ] + serverArguments, logPath: dataDir + "/server.log")
            servers.append(Server(index: index, apiPort: apiPort, agentPort: apiPort + 1, dataDir: dataDir, process: process))
        }
        let join = servers.map { "127.0.0.1:\($0.agentPort)" }.joined(separator: ",")
        for index in 1..<(agents + 1) {
            let first = ports.lowerBound + serverCount * 2 + (index - 1) * 24
            nodes.append(try ClusterHarness.Node.make(index: index, root: root, ports: first..<(first + 24), join: join, routing: routing))
        }
    }

    /// Starts etcd, the servers and the agents; waits until a leader is elected and has every
    /// agent's full state.
    static func start(servers: Int = 3, agents: Int = 2, agentTimeout: Double = 3, serverArguments: [String] = [],
                      routing: Bool = false) async throws -> HAClusterHarness {
        let etcd = try await EtcdMembers.start()
        let cluster: HAClusterHarness
        do {
            cluster = try HAClusterHarness(etcd: etcd, servers: servers, agents: agents, agentTimeout: agentTimeout,
                                           serverArguments: serverArguments, routing: routing)
        } catch {
            etcd.stop()
            throw error
        }
        do {
            for server in cluster.servers { try await cluster.startServer(server) }
            _ = try await cluster.waitForLeader()
            for node in cluster.nodes { try await cluster.startAgent(node) }
        } catch {
            await cluster.stop()
            throw error
        }
        return cluster
    }

    /// Starts (or restarts) a server and waits until its API answers. (`/ping` is forwarded to the
    /// leader, as Marathon does, so it fails while no leader is elected; `GET /v2/leader` is
    /// answered by every server: the leader, or 404.)
    func startServer(_ server: Server) async throws {
        try server.process.start()
        try await waitUntil("\(server.process.name) answers GET /v2/leader", timeout: .seconds(60), every: .milliseconds(50)) {
            guard server.process.isRunning else {
                throw HarnessError("\(server.process.name) exited with status \(server.process.exitStatus ?? -1):\n\(server.process.logTail())")
            }
            return [200, 404].contains(try await server.api.get("/v2/leader").status)
        }
    }

    /// Starts (or restarts) an agent and waits until the leader has its full state.
    func startAgent(_ node: ClusterHarness.Node) async throws {
        let before = reconciliations(of: node)
        try node.process.start()
        try await waitUntilReconciled(node, after: before)
    }

    /// How many times any server has taken `node`'s full state so far.
    func reconciliations(of node: ClusterHarness.Node) -> Int {
        let id = node.agentId
        guard !id.isEmpty else { return 0 }
        return servers.reduce(0) { count, server in
            count + server.process.log.split(separator: "\n").count { $0.contains("agent state reconciled") && $0.contains("agent=\(id)") }
        }
    }

    /// Waits until a server has taken `node`'s full state more than `count` times.
    func waitUntilReconciled(_ node: ClusterHarness.Node, after count: Int, timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("a leader has \(node.process.name)'s full state", timeout: timeout, every: .milliseconds(50)) {
            guard node.process.isRunning else { throw HarnessError("\(node.process.name) exited: \(node.process.logTail())") }
            return reconciliations(of: node) > count
        }
    }

    /// The servers that run now.
    var running: [Server] { servers.filter { $0.process.isRunning } }

    /// The leader as every running server names it, once they agree and it answers as leader
    /// (`GET /v2/info` through it says `elected`); `excluding` a server that is known to be gone
    /// or paused.
    func waitForLeader(excluding: Server? = nil, timeout: Duration = .seconds(30)) async throws -> Server {
        var found: Server?
        try await waitUntil("the servers agree on a leader", timeout: timeout, every: .milliseconds(25)) {
            let asked = running.filter { $0 !== excluding }
            var named: Set<String> = []
            for server in asked {
                guard let result = try? await server.api.request("GET", "/v2/leader", timeout: .seconds(2)),
                      result.status == 200, let leader = result.json["leader"]?.string else { return false }
                named.insert(leader)
            }
            guard named.count == 1, let leader = asked.first(where: { $0.address == named.first }) else { return false }
            found = leader
            return true
        }
        return found!
    }

    /// The followers of `leader` that run now.
    func followers(of leader: Server) -> [Server] { running.filter { $0 !== leader } }

    /// Ids of the live task processes of `app` on every agent.
    func liveTaskIds(app: String) -> Set<String> { ProcessTable.liveTaskIds(under: root, app: app) }

    /// Stops agents, servers and etcd; kills every task.
    func stop() async {
        for node in nodes { await node.process.terminate() }
        for server in servers {
            server.process.resume()
            await server.process.terminate()
        }
        etcd.stop()
        ProcessTable.killAll(under: root)
    }

    /// The tails of every log, for a failed test.
    func logTails() -> String {
        (servers.map(\.process) + nodes.map(\.process))
            .map { "── \($0.name) (\($0.logPath)):\n\($0.logTail())" }.joined(separator: "\n") + "\n" + etcd.logTails()
    }
}

/// Runs `body` against a fresh HA cluster; afterwards stops it and kills every task. On failure
/// prints the tail of every log and keeps the data dirs.
func withHACluster<T>(
    servers: Int = 3, agents: Int = 2, agentTimeout: Double = 3, serverArguments: [String] = [], routing: Bool = false,
    _ body: (HAClusterHarness) async throws -> T
) async throws -> T {
    await WharfSlots.shared.acquire()
    let cluster: HAClusterHarness
    do {
        cluster = try await HAClusterHarness.start(servers: servers, agents: agents, agentTimeout: agentTimeout,
                                                   serverArguments: serverArguments, routing: routing)
    } catch {
        await WharfSlots.shared.release()
        throw error
    }
    let result: Result<T, any Error>
    do {
        result = .success(try await body(cluster))
    } catch {
        result = .failure(error)
    }
    if case .failure = result { print(cluster.logTails()) }
    await cluster.stop()
    await WharfSlots.shared.release()
    if case .success = result { try? FileManager.default.removeItem(atPath: cluster.root) }
    return try result.get()
}

import Foundation
import Testing

/// One `wharf server` and several `wharf agent`s on this machine, on free ports, each agent with
/// its own data dir, task port range and loopback address (`--advertise-ip 127.0.0.N`, N from 2),
/// optionally joining through a ``TCPProxy`` the test can cut. Use through
/// `withCluster { cluster in ... }`, which stops everything and kills every task afterwards.
final class ClusterHarness {
    /// One agent of the cluster.
    final class Node {
        /// 1-based; the agent advertises 127.0.0.(index+1).
        let index: Int
        let dataDir: String
        let taskPorts: ClosedRange<Int>
        let process: ChildProcess
        /// The proxy it joins through, when the test asked for one.
        let proxy: TCPProxy?
        /// Its edge router, DNS server and Consul API ports on its address, when the test asked for
        /// routing on the agents.
        let routing: (router: Int, dns: Int, consul: Int)?

        init(index: Int, dataDir: String, taskPorts: ClosedRange<Int>, process: ChildProcess, proxy: TCPProxy?,
             routing: (router: Int, dns: Int, consul: Int)?) {
            self.index = index
            self.dataDir = dataDir
            self.taskPorts = taskPorts
            self.process = process
            self.proxy = proxy
            self.routing = routing
        }

        /// The address its tasks are reached at.
        var address: String { "127.0.0.\(index + 1)" }

        /// Its stable id (kept in its data dir once it has started).
        var agentId: String {
            ((try? String(contentsOfFile: dataDir + "/agent-id", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Ids of the live task processes under its data dir.
        func liveTaskIds(app: String) -> Set<String> { ProcessTable.liveTaskIds(under: dataDir, app: app) }

        /// Agent `index` under `root` (data dir `agent<index>`), joining `join` (one server or a
        /// comma-separated list), with its task ports and, when `routing`, its router, DNS and Consul
        /// ports from `ports` (24 of them; the first is left for a proxy).
        static func make(index: Int, root: String, ports: Range<Int>, join: String, proxy: TCPProxy? = nil,
                         routing: Bool, extraArguments: [String] = []) throws -> Node {
            let first = ports.lowerBound
            let dataDir = root + "/agent\(index)"
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            let taskPorts = (first + 1)...(first + 20)
            let listeners = routing ? (router: first + 21, dns: first + 22, consul: first + 23) : nil
            let discovery = listeners.map { ports in
                ["--router-port", "\(ports.router)", "--dns-port", "\(ports.dns)", "--consul-port", "\(ports.consul)",
                 "--router-bind", "127.0.0.\(index + 1)", "--tcp-routes", "false"]
            } ?? ["--router-port", "off", "--dns-port", "off"]
            // Agents of one machine cannot all have the default metrics port: off unless a test gives one.
            let metrics = extraArguments.contains("--metrics-port") ? [] : ["--metrics-port", "off"]
            let process = ChildProcess(name: "agent \(index)", arguments: [
                "agent", "--join", join, "--token", ClusterHarness.token, "--data-dir", dataDir,
                "--hostname", "node\(index)", "--advertise-ip", "127.0.0.\(index + 1)",
                "--task-ports", "\(taskPorts.lowerBound)-\(taskPorts.upperBound)",
                "--cpus", "4", "--mem", "4096", "--disk", "10000", "--docker-socket", "none", "--log-level", "debug",
            ] + discovery + metrics + extraArguments, logPath: dataDir + "/agent.log")
            return Node(index: index, dataDir: dataDir, taskPorts: taskPorts, process: process, proxy: proxy, routing: listeners)
        }
    }

    static let token = "cluster-test-token-0123456789"

    let root: String
    let apiPort: Int
    let agentPort: Int
    let agentTimeout: Double
    let server: ChildProcess
    private(set) var nodes: [Node] = []
    let api: MarathonClient

    private init(agents: Int, proxied: Set<Int>, agentTimeout: Double, serverArguments: [String], routing: Bool,
                 agentArguments: (Int) -> [String]) throws {
        let ports = PortAllocator.shared.block(of: 2 + agents * 24)
        apiPort = ports.lowerBound
        agentPort = ports.lowerBound + 1
        self.agentTimeout = agentTimeout
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-cluster-\(UUID().uuidString.prefix(8).lowercased())")
        root = base.resolvingSymlinksInPath().path
        try FileManager.default.createDirectory(atPath: root + "/server", withIntermediateDirectories: true)
        api = MarathonClient(baseURL: "http://127.0.0.1:\(apiPort)")
        server = ChildProcess(name: "server", arguments: [
            "server", "--token", Self.token, "--data-dir", root + "/server", "--api-port", "\(apiPort)",
            "--agent-port", "\(agentPort)", "--bind", "127.0.0.1", "--agent-timeout", "\(agentTimeout)", "--log-level", "debug",
        ] + serverArguments, logPath: root + "/server/server.log")
        for index in 1...agents {
            let first = ports.lowerBound + 2 + (index - 1) * 24
            let proxy = proxied.contains(index) ? TCPProxy(port: first, targetPort: agentPort) : nil
            nodes.append(try Node.make(index: index, root: root, ports: first..<(first + 24), join: "127.0.0.1:\(proxy?.port ?? agentPort)",
                                       proxy: proxy, routing: routing, extraArguments: agentArguments(index)))
        }
    }

    /// Starts the server, then the agents, and waits until every agent has reported its tasks.
    static func start(agents: Int, proxied: Set<Int> = [], agentTimeout: Double = 2,
                      serverArguments: [String] = [], routing: Bool = false,
                      agentArguments: (Int) -> [String] = { _ in [] }) async throws -> ClusterHarness {
        let cluster = try ClusterHarness(agents: agents, proxied: proxied, agentTimeout: agentTimeout,
                                         serverArguments: serverArguments, routing: routing, agentArguments: agentArguments)
        do {
            try await cluster.startServer()
            for node in cluster.nodes {
                try await node.proxy?.start()
                try await cluster.startAgent(node)
            }
        } catch {
            await cluster.stop()
            throw error
        }
        return cluster
    }

    /// Starts (or restarts) the server and waits for `/ping`.
    func startServer() async throws {
        try server.start()
        try await waitUntil("wharf server answers GET /ping", timeout: .seconds(60), every: .milliseconds(50)) {
            guard server.isRunning else { return true }
            return try await api.get("/ping").status == 200
        }
        guard server.isRunning else {
            throw HarnessError("wharf server exited with status \(server.exitStatus ?? -1):\n\(server.logTail())")
        }
    }

    /// Starts (or restarts) an agent and waits until the server has its full state.
    func startAgent(_ node: Node) async throws {
        let before = reconciliations(of: node)
        try node.process.start()
        try await waitUntilReconciled(node, after: before)
    }

    /// How many times the server has taken `node`'s full state so far.
    func reconciliations(of node: Node) -> Int {
        let id = node.agentId
        guard !id.isEmpty else { return 0 }
        return server.log.split(separator: "\n").count { $0.contains("agent state reconciled") && $0.contains("agent=\(id)") }
    }

    /// Waits until the server has taken `node`'s full state more than `count` times.
    func waitUntilReconciled(_ node: Node, after count: Int, timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("the server has \(node.process.name)'s full state", timeout: timeout, every: .milliseconds(50)) {
            guard node.process.isRunning else {
                throw HarnessError("\(node.process.name) exited: \(node.process.logTail())")
            }
            return reconciliations(of: node) > count
        }
    }

    /// `kill -9` of an agent and of every task it started (as when its machine dies).
    func killAgentAndTasks(_ node: Node) async throws {
        try await node.process.kill9()
        ProcessTable.killAll(under: node.dataDir)
    }

    /// Ids of the live task processes of `app` on every agent.
    func liveTaskIds(app: String) -> Set<String> { ProcessTable.liveTaskIds(under: root, app: app) }

    /// The running tasks of `app` by host (`/v2/apps/{id}/tasks`).
    func runningTasks(_ app: String) async throws -> [JSON] {
        try await api.runningTasks(of: app)
    }

    /// Stops agents and server (SIGTERM, then SIGKILL), kills every task, closes proxies.
    func stop() async {
        for node in nodes {
            await node.process.terminate()
            await node.proxy?.cut()
        }
        await server.terminate()
        ProcessTable.killAll(under: root)
    }

    /// The tails of every log, for a failed test.
    func logTails() -> String {
        ([server] + nodes.map(\.process)).map { "── \($0.name) (\($0.logPath)):\n\($0.logTail())" }.joined(separator: "\n")
    }
}

/// Runs `body` against a fresh cluster; afterwards stops it and kills every task. On failure prints
/// the tail of every log and keeps the data dirs.
func withCluster<T>(
    agents: Int, proxied: Set<Int> = [], agentTimeout: Double = 2, serverArguments: [String] = [], routing: Bool = false,
    agentArguments: (Int) -> [String] = { _ in [] },
    _ body: (ClusterHarness) async throws -> T
) async throws -> T {
    await WharfSlots.shared.acquire()
    let cluster: ClusterHarness
    do {
        cluster = try await ClusterHarness.start(agents: agents, proxied: proxied, agentTimeout: agentTimeout,
                                                 serverArguments: serverArguments, routing: routing, agentArguments: agentArguments)
    } catch {
        await WharfSlots.shared.release()
        throw error
    }
    let result: Result<T, any Error>
    do {
        let value = try await body(cluster)
        // Whatever the test did, neither side ever broke the link's protocol.
        for node in cluster.nodes {
            #expect(!node.process.log.contains("which a server does not send"), "\(node.process.name) got a message it cannot take")
        }
        #expect(!cluster.server.log.contains("does not send '"), "an agent sent a message it must not")
        result = .success(value)
    } catch {
        result = .failure(error)
        print("── cluster (\(cluster.root)) failed a test: \(error)\n\(cluster.logTails())")
    }
    await cluster.stop()
    if case .success = result, ProcessInfo.processInfo.environment["WHARF_TEST_KEEP"] == nil {
        try? FileManager.default.removeItem(atPath: cluster.root)
    }
    await WharfSlots.shared.release()
    return try result.get()
}

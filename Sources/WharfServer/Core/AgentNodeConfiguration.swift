import Foundation
import WharfAgent
import WharfModel

/// Settings of `wharf agent`: the node agent of a cluster, joining a `wharf server`.
public struct AgentNodeConfiguration: Sendable {
    /// The servers' agent ports (`--join`).
    public var servers: [JoinAddress]
    /// The shared cluster token (`--token`).
    public var token: String
    /// Where the agent keeps its id, task records and sandboxes. Default `./.wharf-agent`.
    public var dataDir: String
    /// The node's host name. Default: the machine's.
    public var hostname: String
    /// The address tasks are reached at (their `host`); nil: this machine's address on the route to
    /// the first server.
    public var advertiseIP: String?
    /// Resources offered to tasks; nil: detected (online cores, physical memory, free disk of the data dir).
    public var cpus: Double?
    public var mem: Double?
    public var disk: Double?
    /// Host ports handed to tasks. Default 10000-20000.
    public var taskPorts: [PortRange]
    /// Attributes for placement constraints (`--attribute rack=r1`).
    public var attributes: [String: String]
    /// Unix socket of the Docker Engine; empty: processes only. Default `/var/run/docker.sock`.
    public var dockerSocket: String
    /// Whether task `cpus` are a hard CFS quota. Default false.
    public var hardCpuLimit: Bool
    /// Rotation of task output files and syslog shipping (`--log-max-size`, `--log-max-files`, `--syslog`).
    public var taskOutput = TaskOutputSettings()
    /// This node's edge router, DNS server and Consul API (`--router-port`, `--dns-port`,
    /// `--consul-port`, `--router-bind`, ...), serving the server's catalog as the agent copies it.
    public var discovery: DiscoveryConfiguration
    /// `--simulate N`: instead of one real agent, N simulated ones (running nothing) in this
    /// process, each with its own connection to the server, for load tests. 0: a real agent.
    public var simulate = 0
    /// The port of this node's `/metrics` listener (bound to the router's address, `--router-bind`),
    /// or nil for none (`--metrics-port off`). Default 9180.
    public var metricsPort: Int? = AgentNodeConfiguration.defaultMetricsPort
    /// Whether each task's CPU, memory and OOM kills are series of their own (`--task-metrics`). Default true.
    public var taskMetrics = true

    /// Default of `--metrics-port`: beside Prometheus' exporters, clear of node_exporter's 9100.
    public static let defaultMetricsPort = 9180

    public init(servers: [JoinAddress], token: String, dataDir: String = "./.wharf-agent",
                hostname: String = ProcessInfo.processInfo.hostName, advertiseIP: String? = nil,
                cpus: Double? = nil, mem: Double? = nil, disk: Double? = nil,
                taskPorts: [PortRange] = [PortRange(begin: 10000, end: 20000)], attributes: [String: String] = [:],
                dockerSocket: String = "/var/run/docker.sock", hardCpuLimit: Bool = false,
                discovery: DiscoveryConfiguration = DiscoveryConfiguration()) {
        self.servers = servers
        self.token = token
        self.dataDir = dataDir
        self.hostname = hostname
        self.advertiseIP = advertiseIP
        self.cpus = cpus
        self.mem = mem
        self.disk = disk
        self.taskPorts = taskPorts
        self.attributes = attributes
        self.dockerSocket = dockerSocket
        self.hardCpuLimit = hardCpuLimit
        self.discovery = discovery
    }
}

import WharfAgent
import WharfModel
import WharfMetrics

/// Settings of a Wharf control plane (and, in `wharf dev`, of its embedded agent).
/// Every field has the documented default, so `ServerConfiguration()` is a working `wharf dev`.
public struct ServerConfiguration: Sendable {
    /// Where the state database, agent records and sandboxes live. Default `./.wharf`.
    public var dataDir: String
    /// Address the HTTP API binds to. Default `0.0.0.0`.
    public var bindAddress: String
    /// HTTP API port. Default 8080, as Marathon.
    public var apiPort: Int
    /// Address advertised for this node (task `host`, `HOST` env, leader address). Default 127.0.0.1.
    public var advertisedHost: String
    /// Host ports handed to tasks. Default 31000-32000, as a Mesos agent's `ports` resource.
    public var taskPorts: [PortRange]
    /// Service ports assigned to apps with `port: 0`, on which the router's TCP routes listen.
    /// Default 10000-20000, as Marathon's `--local_port_min/max`; disjoint from `taskPorts`.
    public var servicePorts: PortRange
    /// CPUs offered to tasks; nil = the number of online cores.
    public var cpus: Double?
    /// Memory (MiB) offered to tasks; nil = physical memory.
    public var mem: Double?
    /// Disk (MiB) offered to tasks; nil = free space of the data dir's file system.
    public var disk: Double?
    /// SIGTERM→SIGKILL delay for apps that do not set `taskKillGracePeriodSeconds`. Default 3 s.
    public var defaultKillGracePeriodSeconds: Double
    /// Largest request body accepted. Default 1 MiB.
    public var maxRequestBodyBytes: Int
    /// App versions kept per app. Default 50, as Marathon's `--zk_max_versions`.
    public var maxVersionsPerApp: Int
    /// Concurrent deployments allowed. Default 100, as Marathon's `--max_running_deployments`.
    public var maxRunningDeployments: Int
    /// Interval of the reconciliation tick; its full resync (every app evaluated, catching anything
    /// events missed) runs every tick up to 10,000 instances and proportionally less often beyond
    /// (`ControlPlane.isFullResyncDue`). Default 5 s.
    public var resyncIntervalSeconds: Double
    /// Whether task `cpus` are enforced as a hard CFS quota (default false: a relative weight, as
    /// Mesos' default; tasks may use idle CPU beyond their share).
    public var hardCpuLimit: Bool
    /// Rotation of task output files and syslog shipping (`wharf dev`'s agent).
    public var taskOutput = TaskOutputSettings()
    /// How long instances on an agent that has not registered since start-up are waited for before
    /// they are declared gone and replaced. Default 60 s.
    public var agentReregistrationSeconds: Double
    /// Seconds of silence after which the link declares an agent unreachable (`wharf server
    /// --agent-timeout`); nil when agents run in the control plane's process (`wharf dev`), where
    /// instances of an agent that did not re-register are simply gone. When set, such agents are
    /// unreachable after `agentReregistrationSeconds` and their instances follow their apps'
    /// `unreachableStrategy`. Default nil.
    public var agentTimeoutSeconds: Double?
    /// Seconds between TASK_KILLING (the instance leaves discovery and routing) and SIGTERM, so
    /// that routers stop sending it new requests before it stops. Default 0.5 s.
    public var killDrainSeconds: Double
    /// A deployment that makes no progress (no new instance becoming healthy and ready, no step
    /// completing) for this long fails, for apps that do not set `progressDeadlineSeconds`. When
    /// nil (the default): 600 s, stretched where an app's health-check grace period or kill grace
    /// period needs longer; an explicit value applies as given.
    public var deploymentProgressDeadlineSeconds: Double?
    /// A deployment fails once its new instances have failed this many times (crashed, or killed
    /// for failing health checks) with no new instance becoming healthy in between. Default 3.
    public var deploymentMaxTaskFailures: Int
    /// When above 0, run no real agent but this many simulated ones whose tasks run nothing (for
    /// benchmarks and demos at cluster scale). Default 0.
    public var simulatedAgents: Int
    /// Unix socket of the Docker Engine that runs `container.type: DOCKER` apps on the local
    /// agent. When nothing answers there the agent runs processes only (Docker apps wait in the
    /// queue); empty: do not look for an engine. Default `/var/run/docker.sock`.
    public var dockerSocket: String
    /// Whether graceful shutdown (SIGINT, SIGTERM) first stops every task, as a kill through the API
    /// would. Apps stay defined and are launched again at the next start. Default false: tasks keep
    /// running and the next start on the same data dir re-adopts them.
    public var stopTasksOnExit: Bool = false
    /// Consul datacenter name answered by the catalog API and DNS. Default `dc1`.
    public var datacenter: String = "dc1"
    /// The edge router, DNS server and Consul API port; set after `init`.
    public var discovery = DiscoveryConfiguration()
    /// Where this server's metrics are kept and `GET /metrics` reads them: one registry per server
    /// (`wharf dev`'s agent, router and DNS add theirs to it). Default: a new one.
    public var metrics = MetricsRegistry()
    /// Whether `wharf dev`'s agent keeps per-task series (`--task-metrics`). Default true.
    public var taskMetrics = true

    public init(
        dataDir: String = "./.wharf", bindAddress: String = "0.0.0.0", apiPort: Int = 8080,
        advertisedHost: String = "127.0.0.1", taskPorts: [PortRange] = [PortRange(begin: 31000, end: 32000)],
        servicePorts: PortRange = PortRange(begin: 10000, end: 20000), cpus: Double? = nil, mem: Double? = nil,
        disk: Double? = nil, defaultKillGracePeriodSeconds: Double = 3, maxRequestBodyBytes: Int = 1 << 20,
        maxVersionsPerApp: Int = 50, maxRunningDeployments: Int = 100, resyncIntervalSeconds: Double = 5,
        simulatedAgents: Int = 0, agentReregistrationSeconds: Double = 60,
        hardCpuLimit: Bool = false, killDrainSeconds: Double = 0.5, deploymentProgressDeadlineSeconds: Double? = nil,
        deploymentMaxTaskFailures: Int = 3, dockerSocket: String = "/var/run/docker.sock"
    ) {
        self.dataDir = dataDir
        self.bindAddress = bindAddress
        self.apiPort = apiPort
        self.advertisedHost = advertisedHost
        self.taskPorts = taskPorts
        self.servicePorts = servicePorts
        self.cpus = cpus
        self.mem = mem
        self.disk = disk
        self.defaultKillGracePeriodSeconds = defaultKillGracePeriodSeconds
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.maxVersionsPerApp = maxVersionsPerApp
        self.maxRunningDeployments = maxRunningDeployments
        self.resyncIntervalSeconds = resyncIntervalSeconds
        self.simulatedAgents = simulatedAgents
        self.agentReregistrationSeconds = agentReregistrationSeconds
        self.hardCpuLimit = hardCpuLimit
        self.killDrainSeconds = killDrainSeconds
        self.deploymentProgressDeadlineSeconds = deploymentProgressDeadlineSeconds
        self.deploymentMaxTaskFailures = deploymentMaxTaskFailures
        self.dockerSocket = dockerSocket
    }
}

/// Where discovery is served: the edge router, the DNS server and the extra Consul API port.
public struct DiscoveryConfiguration: Sendable {
    /// Port of the HTTP edge router; nil runs no router. Default 8000.
    public var routerPort: Int?
    /// Address the router's HTTP and TCP listeners bind to. Default `0.0.0.0`.
    public var routerBind: String
    /// Every app's first port is routed for the host `<service>.<routerDomain>` too; nil: only
    /// hosts from labels. Default `localhost`, so that `http://web.localhost:8000/` works with no setup.
    public var routerDomain: String?
    /// Whether every app port with a service port gets a TCP listener on the router. Default true.
    public var tcpRoutes: Bool
    /// Whether the router listens on service ports (it runs, with TCP routes).
    public var routesServicePorts: Bool { routerPort != nil && tcpRoutes }
    /// Only apps in these marathon-lb groups (`HAPROXY_GROUP`, `HAPROXY_{n}_GROUP`) are routed; empty: all.
    public var routerGroups: [String]
    /// Port of the DNS server (UDP and TCP); nil runs none. Default 8600.
    public var dnsPort: Int?
    /// Address the DNS server binds to. Default `0.0.0.0`.
    public var dnsBind: String
    /// Domains answered besides `consul`, e.g. `wharf` for `web.wharf`.
    public var dnsExtraDomains: [String]
    /// TTL of DNS answers, seconds. Default 0, as Consul: resolvers do not cache an instance that is
    /// about to be stopped (the drain is shorter than any positive TTL).
    public var dnsTTL: Int
    /// A second port serving only the Consul API (e.g. 8500 for tools that expect it); nil: none.
    public var consulPort: Int?
    /// Router timeouts in seconds by name: `connect` (3), `header` (10: a client's whole request
    /// head), `backend` (60: a response head, then 504), `idle` (60: keep-alive clients), `tunnel`
    /// (3600: websockets and TCP relays). Names not given keep their defaults.
    public var routerTimeouts: [String: Double] = [:]
    /// Whether the router counts requests per service (`--router-metrics`). Default true.
    public var routerMetrics = true
    /// The timeout names `routerTimeouts` accepts.
    public static let routerTimeoutNames = ["connect", "header", "backend", "idle", "tunnel"]

    public init(routerPort: Int? = 8000, routerBind: String = "0.0.0.0", routerDomain: String? = "localhost",
                tcpRoutes: Bool = true, routerGroups: [String] = [], dnsPort: Int? = 8600, dnsBind: String = "0.0.0.0",
                dnsExtraDomains: [String] = ["wharf"], dnsTTL: Int = 0, consulPort: Int? = nil) {
        self.routerPort = routerPort
        self.routerBind = routerBind
        self.routerDomain = routerDomain
        self.tcpRoutes = tcpRoutes
        self.routerGroups = routerGroups
        self.dnsPort = dnsPort
        self.dnsBind = dnsBind
        self.dnsExtraDomains = dnsExtraDomains
        self.dnsTTL = dnsTTL
        self.consulPort = consulPort
    }
}

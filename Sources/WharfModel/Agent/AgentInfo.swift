/// What a node agent offers to the scheduler: its identity, address, capacity and task port ranges.
public struct AgentInfo: Codable, Hashable, Sendable {
    /// Stable agent id (Marathon's `slaveId`).
    public var id: String
    /// Advertised host name or address; task ports are reachable there.
    public var host: String
    /// The node's host name (`wharf agent --hostname`, default the machine's); `host` when the agent
    /// did not say (the in-process agent of `wharf dev`, agents of older versions).
    public var hostname: String
    /// Total capacity the agent declares for tasks.
    public var capacity: Resources
    /// Host port ranges tasks may be given.
    public var portRanges: [PortRange]
    /// Attributes usable in constraints (`rack: r1`).
    public var attributes: [String: String]
    /// Names of the runtimes this agent can run (`process`, `docker`).
    public var runtimes: [String]
    /// How this agent enforces resource limits (`cgroup-v1`, `cgroup-v2`, or `none: <reason>`).
    public var isolation: String
    /// Ports inside `portRanges` and the service-port range its router listens on that something
    /// other than this agent's tasks and process holds on the host (a database, a task of another
    /// data dir, a second `wharf dev` and its router), sorted, as the agent last saw them; the
    /// scheduler never hands them to a task, nor as a new service port. Updated by
    /// `AgentReport.portsInUse`.
    public var portsInUse: [Int]
    /// The port of the agent's own `/metrics` listener on `host` (`wharf agent --metrics-port`),
    /// listed by the server's Prometheus service discovery; nil when it has none (turned off,
    /// agents of older versions, `wharf dev`'s agent, whose series the server's `/metrics` shows).
    public var metricsPort: Int?

    public init(
        id: String, host: String, capacity: Resources, portRanges: [PortRange],
        attributes: [String: String] = [:], runtimes: [String] = ["process"], isolation: String = "none",
        portsInUse: [Int] = [], hostname: String? = nil, metricsPort: Int? = nil
    ) {
        self.id = id
        self.host = host
        self.hostname = hostname ?? host
        self.capacity = capacity
        self.portRanges = portRanges
        self.attributes = attributes
        self.runtimes = runtimes
        self.isolation = isolation
        self.portsInUse = portsInUse
        self.metricsPort = metricsPort
    }

    private enum CodingKeys: String, CodingKey {
        case id, host, hostname, capacity, portRanges, attributes, runtimes, isolation, portsInUse, metricsPort
    }

    /// Decodes an agent's info; `portsInUse` may be missing (agents that do not probe their host), and
    /// `hostname` (agents that do not say: their `host`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        host = try container.decode(String.self, forKey: .host)
        hostname = try container.decodeIfPresent(String.self, forKey: .hostname) ?? host
        capacity = try container.decode(Resources.self, forKey: .capacity)
        portRanges = try container.decode([PortRange].self, forKey: .portRanges)
        attributes = try container.decodeIfPresent([String: String].self, forKey: .attributes) ?? [:]
        runtimes = try container.decodeIfPresent([String].self, forKey: .runtimes) ?? ["process"]
        isolation = try container.decodeIfPresent(String.self, forKey: .isolation) ?? "none"
        portsInUse = try container.decodeIfPresent([Int].self, forKey: .portsInUse) ?? []
        metricsPort = try container.decodeIfPresent(Int.self, forKey: .metricsPort)
    }
}

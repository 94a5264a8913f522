/// What a node agent offers to the scheduler: its identity, address, capacity and task port ranges.
public struct AgentInfo: Codable, Hashable, Sendable {
    /// Stable agent id (Marathon's `slaveId`).
    public var id: String
    /// Advertised host name or address; task ports are reachable there.
    public var host: String
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

    public init(
        id: String, host: String, capacity: Resources, portRanges: [PortRange],
        attributes: [String: String] = [:], runtimes: [String] = ["process"], isolation: String = "none"
    ) {
        self.id = id
        self.host = host
        self.capacity = capacity
        self.portRanges = portRanges
        self.attributes = attributes
        self.runtimes = runtimes
        self.isolation = isolation
    }
}

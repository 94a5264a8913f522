import WharfModel

/// What is left on every agent during one `Scheduler.decide` call: free CPU, memory and disk, and
/// the taken host ports, after subtracting every non-terminal instance (also those being killed,
/// which hold their resources until they are terminal), the ports other processes hold on each
/// agent's host (`AgentInfo.portsInUse`) and every placement made so far in the call.
///
/// Built once per call in O(agents + instances), or in O(agents) from the caller's `AgentUsage`. Port bitmaps are built lazily, the first time an
/// agent is asked for ports. A class so that placements update it in place; it never leaves the call.
final class ClusterState {
    let agents: [AgentInfo]
    /// Agent id to index in `agents`.
    let indexById: [String: Int]
    private(set) var freeCpus: [Double]
    private(set) var freeMem: [Double]
    private(set) var freeDisk: [Double]
    private var portSpaces: [PortSpace?]
    private var usedPorts: [[Int]]
    private let seed: UInt64

    /// Per agent, whether it is being drained: it keeps its instances' resources but takes no new one.
    let draining: [Bool]

    init(agents: [AgentInfo], instances: [Instance], seed: UInt64, reservedPorts: [Int] = [],
         drainingAgents: Set<String> = [], usage: [String: AgentUsage]? = nil) {
        self.agents = agents
        self.draining = agents.map { drainingAgents.contains($0.id) }
        self.seed = seed
        var index: [String: Int] = [:]
        index.reserveCapacity(agents.count)
        for (i, agent) in agents.enumerated() where index[agent.id] == nil { index[agent.id] = i }
        self.indexById = index
        var cpus = agents.map(\.capacity.cpus)
        var mem = agents.map(\.capacity.mem)
        var disk = agents.map(\.capacity.disk)
        var used = agents.map { $0.portsInUse.isEmpty ? reservedPorts : reservedPorts + $0.portsInUse }
        if let usage {
            for (i, agent) in agents.enumerated() where index[agent.id] == i {
                guard let held = usage[agent.id] else { continue }
                cpus[i] -= held.resources.cpus
                mem[i] -= held.resources.mem
                disk[i] -= held.resources.disk
                if !held.ports.isEmpty { used[i].append(contentsOf: held.ports.keys) }
            }
        }
        for instance in instances where usage == nil && instance.isActive {
            guard let i = index[instance.agentId] else { continue }
            cpus[i] -= instance.resources.cpus
            mem[i] -= instance.resources.mem
            disk[i] -= instance.resources.disk
            if !instance.ports.isEmpty { used[i].append(contentsOf: instance.ports) }
        }
        self.freeCpus = cpus
        self.freeMem = mem
        self.freeDisk = disk
        self.usedPorts = used
        self.portSpaces = [PortSpace?](repeating: nil, count: agents.count)
    }

    /// The port space of agent `i`, built on first use.
    func ports(_ i: Int) -> PortSpace {
        if let space = portSpaces[i] { return space }
        let space = PortSpace(ranges: agents[i].portRanges, used: usedPorts[i],
                              startHint: SplitMix64.mix(seed, UInt64(i)))
        portSpaces[i] = space
        usedPorts[i] = []
        return space
    }

    /// Whether CPU, memory and disk left on agent `i` cover `r`.
    func fitsResources(_ r: Resources, on i: Int) -> Bool {
        r.cpus <= freeCpus[i] + 1e-9 && r.mem <= freeMem[i] + 1e-9 && r.disk <= freeDisk[i] + 1e-9
    }

    /// Records a placement of `r` on agent `i`.
    func reserve(_ r: Resources, on i: Int) {
        freeCpus[i] -= r.cpus
        freeMem[i] -= r.mem
        freeDisk[i] -= r.disk
    }

    /// Free fraction of CPU and memory on agent `i` after also placing `r` (for scoring).
    func freeFractions(after r: Resources, on i: Int) -> (cpu: Double, mem: Double) {
        let cap = agents[i].capacity
        let cpu = cap.cpus > 0 ? (freeCpus[i] - r.cpus) / cap.cpus : 0
        let mem = cap.mem > 0 ? (freeMem[i] - r.mem) / cap.mem : 0
        return (cpu, mem)
    }
}

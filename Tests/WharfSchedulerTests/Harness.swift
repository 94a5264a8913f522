import Foundation
import Testing
@testable import WharfScheduler
import WharfModel

/// Hands out deterministic instance ids from a `@Sendable` closure.
/// `@unchecked Sendable` is safe: the only mutable state is guarded by `lock`.
final class IdSource: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func make(_ appId: PathId) -> String {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return Instance.makeId(appId: appId, unique: String(format: "%08d", next))
    }
}

/// An in-memory cluster: applies the scheduler's decisions the way the control plane and agents would.
struct Harness {
    var apps: [AppDefinition]
    var instances: [Instance] = []
    var agents: [AgentInfo]
    var backoff: [PathId: LaunchBackoff] = [:]
    var now = Timestamp(millis: 1_700_000_000_000)
    var seed: UInt64 = 7
    var draining: Set<String> = []
    let ids = IdSource()
    var scheduler: Scheduler

    init(apps: [AppDefinition], agents: [AgentInfo], algorithm: PlacementAlgorithm = .binPack) {
        self.apps = apps
        self.agents = agents
        let ids = self.ids
        self.scheduler = Scheduler(makeInstanceId: { ids.make($0) }, algorithm: algorithm)
    }

    var view: SchedulerView {
        SchedulerView(now: now, apps: apps, instances: instances, agents: agents, backoff: backoff, seed: seed,
                      drainingAgents: draining)
    }

    func decide() -> SchedulerDecisions { scheduler.decide(view) }

    /// Records the decisions: kills set the goal to decommissioned (the instance keeps its resources
    /// until `tick` removes it); launches are stored as staging.
    mutating func apply(_ d: SchedulerDecisions) {
        let killed = Set(d.kills.map(\.instanceId))
        for i in instances.indices where killed.contains(instances[i].id) {
            instances[i].goal = .decommissioned
            instances[i].state = .killing
        }
        instances += d.launches
    }

    /// Time passes: killed instances end and disappear, staging ones start running (healthy when
    /// `healthy` is true; nil health = no health checks).
    mutating func tick(healthy: Bool? = nil) {
        now = now.adding(seconds: 1)
        instances.removeAll { $0.goal == .decommissioned }
        for i in instances.indices where instances[i].state == .staging || instances[i].state == .starting {
            instances[i].state = .running
            instances[i].startedAt = now
            instances[i].healthy = healthy
        }
    }

    /// decide + apply + tick until nothing changes (bounded).
    @discardableResult
    mutating func converge(maxRounds: Int = 50) -> SchedulerDecisions {
        var last = SchedulerDecisions()
        for _ in 0..<maxRounds {
            last = decide()
            if last.launches.isEmpty && last.kills.isEmpty && !instances.contains(where: { $0.goal == .decommissioned || $0.state != .running }) {
                return last
            }
            apply(last)
            tick()
        }
        return last
    }

    func goalRunning(_ app: PathId) -> [Instance] {
        instances.filter { $0.appId == app && $0.goal == .running && $0.isActive }
    }

    /// No agent holds more than its capacity; no host port is used twice on one agent; every
    /// assigned port lies in the agent's ranges.
    func checkInvariants(sourceLocation: SourceLocation = #_sourceLocation) {
        let byId = Dictionary(uniqueKeysWithValues: agents.map { ($0.id, $0) })
        var used: [String: Resources] = [:]
        var ports: [String: Set<Int>] = [:]
        for instance in instances where instance.isActive {
            used[instance.agentId, default: .zero] += instance.resources
            for p in instance.ports {
                let inserted = ports[instance.agentId, default: []].insert(p).inserted
                #expect(inserted, "port \(p) used twice on \(instance.agentId)", sourceLocation: sourceLocation)
                if let agent = byId[instance.agentId] {
                    #expect(agent.portRanges.contains { $0.contains(p) }, "port \(p) outside ranges", sourceLocation: sourceLocation)
                }
            }
        }
        for (agentId, r) in used {
            guard let agent = byId[agentId] else { continue }
            #expect(agent.capacity.covers(r), "agent \(agentId) overcommitted: \(r)", sourceLocation: sourceLocation)
        }
    }
}

/// Test fixtures.
enum Fixture {
    static let t0 = Timestamp(millis: 1_600_000_000_000)

    static func app(_ id: String, instances: Int = 1, cpus: Double = 0.5, mem: Double = 128, ports: Int = 1,
                    version: Timestamp = t0) -> AppDefinition {
        var app = AppDefinition(id: PathId(id))
        app.instances = instances
        app.cpus = cpus
        app.mem = mem
        app.disk = 0
        app.portDefinitions = (0..<ports).map { PortDefinition(port: 0, name: "p\($0)") }
        app.version = version
        app.versionInfo = VersionInfo(lastScalingAt: version, lastConfigChangeAt: version)
        return app
    }

    static func agent(_ id: String, cpus: Double = 4, mem: Double = 4096, disk: Double = 10_000,
                      ports: [PortRange] = [PortRange(begin: 10000, end: 20000)],
                      attributes: [String: String] = [:], runtimes: [String] = ["process", "docker"]) -> AgentInfo {
        AgentInfo(id: id, host: "\(id).example", capacity: Resources(cpus: cpus, mem: mem, disk: disk), portRanges: ports,
                  attributes: attributes, runtimes: runtimes)
    }

    static func agents(_ n: Int, cpus: Double = 4, mem: Double = 4096) -> [AgentInfo] {
        (0..<n).map { agent("a\($0)", cpus: cpus, mem: mem) }
    }

    static func running(_ app: AppDefinition, id: String, on agent: AgentInfo, stagedAt: Timestamp,
                        state: TaskState = .running, healthy: Bool? = nil, ports: [Int] = []) -> Instance {
        Instance(id: id, appId: app.id, appVersion: app.version!, configVersion: Scheduler.configVersion(of: app),
                 agentId: agent.id, host: agent.host, ports: ports, resources: app.resources, state: state,
                 stagedAt: stagedAt, healthy: healthy)
    }

    /// A new configuration of `app` (changed command, new version).
    static func upgraded(_ app: AppDefinition, at version: Timestamp) -> AppDefinition {
        var new = app
        new.cmd = "serve --v=\(version.millis)"
        new.version = version
        new.versionInfo = VersionInfo(lastScalingAt: version, lastConfigChangeAt: version)
        return new
    }
}

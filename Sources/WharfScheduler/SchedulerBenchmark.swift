import Foundation
import WharfModel

/// A synthetic cluster for measuring `Scheduler.decide` (wired to `wharf bench scheduler`). It is the
/// one place in this module that reads a clock: to time the call it benchmarks.
public enum SchedulerBenchmark {
    /// Places `instances` new instances of `apps` apps on `agents` empty agents in one `decide` call
    /// and returns how many were placed and how long the call took. Agents have 32 CPUs, 64 GiB and
    /// ports 10000-20000 and sit in 20 racks; apps ask for 0.5-1.25 CPUs, 256-1024 MiB and 1-2 ports;
    /// every tenth app spreads over racks (`GROUP_BY`), every tenth-plus-fifth wants a `UNIQUE` host.
    public static func run(agents: Int, instances: Int, apps: Int) -> (placements: Int, seconds: Double) {
        let view = makeView(agents: agents, instances: instances, apps: apps)
        let ids = IdCounter()
        let scheduler = Scheduler(makeInstanceId: { ids.next($0) })
        let start = ContinuousClock.now
        let decisions = scheduler.decide(view)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (decisions.launches.count, seconds)
    }

    /// The view `run` decides on: `agents` empty agents and `apps` apps sharing `instances` instances.
    static func makeView(agents: Int, instances: Int, apps: Int, seed: UInt64 = 42) -> SchedulerView {
        let agentList = (0..<agents).map { i in
            AgentInfo(id: "agent-\(i)", host: "10.\(i / 65536).\((i / 256) % 256).\(i % 256)",
                      capacity: Resources(cpus: 32, mem: 65536, disk: 1_000_000),
                      portRanges: [PortRange(begin: 10000, end: 20000)],
                      attributes: ["rack": "rack-\(i % 20)"], runtimes: ["process", "docker"])
        }
        let appCount = max(1, apps)
        let version = Timestamp(millis: 1_600_000_000_000)
        var appList: [AppDefinition] = []
        appList.reserveCapacity(appCount)
        for i in 0..<appCount {
            var app = AppDefinition(id: PathId(segments: ["bench", "app-\(i)"]))
            app.instances = instances / appCount + (i < instances % appCount ? 1 : 0)
            app.cpus = 0.5 + Double(i % 4) * 0.25
            app.mem = 256 * Double(1 + i % 4)
            app.disk = 0
            app.portDefinitions = (0..<(1 + i % 2)).map { PortDefinition(port: 0, name: "p\($0)") }
            if i % 10 == 0 {
                app.constraints = [Constraint(field: "rack", op: .groupBy)]
            } else if i % 10 == 5 && app.instances <= agents {
                app.constraints = [Constraint(field: "hostname", op: .unique)]
            }
            app.version = version
            app.versionInfo = VersionInfo(lastScalingAt: version, lastConfigChangeAt: version)
            appList.append(app)
        }
        return SchedulerView(now: version, apps: appList, instances: [], agents: agentList, seed: seed)
    }
}

/// Unique instance ids for the benchmark. `@unchecked Sendable` is safe: the counter is only touched
/// under `lock`.
private final class IdCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next(_ appId: PathId) -> String {
        lock.lock()
        value += 1
        let n = value
        lock.unlock()
        return Instance.makeId(appId: appId, unique: String(n))
    }
}

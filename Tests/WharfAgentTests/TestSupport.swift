import Foundation
import Glibc
import Logging
@testable import WharfAgent
import WharfMetrics
import WharfModel

/// A fresh temporary directory, removed by `cleanUp`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "wharf-agent-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Waits until `condition` holds, checking every 10 ms, for at most `timeout`. Returns whether it held.
func eventually(timeout: Duration = .seconds(15), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// Collects everything an agent reports.
actor ReportLog {
    private(set) var reports: [AgentReport] = []

    static func following(_ stream: AsyncStream<AgentReport>) -> ReportLog {
        let log = ReportLog()
        Task {
            for await report in stream { await log.append(report) }
        }
        return log
    }

    private func append(_ report: AgentReport) { reports.append(report) }

    /// Every `.status` report for `instanceId`, in order.
    func statuses(_ instanceId: String) -> [TaskStatus] {
        reports.compactMap { report in
            if case .status(_, let status) = report, status.instanceId == instanceId { return status }
            return nil
        }
    }

    /// The states reported for `instanceId`, in order.
    func states(_ instanceId: String) -> [TaskState] { statuses(instanceId).map(\.state) }

    /// The latest status of `instanceId` once it is terminal.
    func terminal(_ instanceId: String) -> TaskStatus? {
        statuses(instanceId).last.flatMap { $0.state.isTerminal ? $0 : nil }
    }

    /// Every `.fullState` report, in order.
    func fullStates() -> [[TaskStatus]] {
        reports.compactMap { report in
            if case .fullState(_, let statuses) = report { return statuses }
            return nil
        }
    }

    var registrations: [AgentInfo] {
        reports.compactMap { report in
            if case .registered(let info) = report { return info }
            return nil
        }
    }
}

let quietLogger = Logger(label: "wharf.agent.tests") { _ in SwiftLogNoOpLogHandler() }

/// An agent on `dataDir` with its report log, started.
func startAgent(
    dataDir: String, host: String = "node1.example.com", useCgroups: Bool = false, cgroupParent: String = "wharf-test",
    metrics: MetricsRegistry? = nil
) async -> (Agent, ReportLog) {
    let configuration = AgentConfiguration(
        agentId: "agent-1", host: host, dataDir: dataDir,
        capacity: Resources(cpus: 2, mem: 1024, disk: 1024), useCgroups: useCgroups, cgroupParent: cgroupParent, metrics: metrics)
    let agent = Agent(configuration: configuration, logger: quietLogger)
    let log = ReportLog.following(agent.reports)
    await agent.start()
    return (agent, log)
}

/// An app `/test/<name>` running `cmd` (or `args`).
func makeApp(_ name: String = "app", cmd: String? = nil, args: [String]? = nil) -> AppDefinition {
    var app = AppDefinition(id: PathId("/test/\(name)"))
    app.cmd = cmd
    app.args = args
    app.cpus = 0.5
    app.mem = 64
    app.version = Timestamp(millis: 1_700_000_000_000)
    return app
}

/// A launch of a new instance of `app`.
func makeLaunch(_ app: AppDefinition, ports: [Int] = [], incarnation: Int = 1, grace: Double = 5) -> LaunchTask {
    let instance = Instance(
        id: Instance.makeId(appId: app.id, unique: UUID().uuidString.lowercased()), incarnation: incarnation,
        appId: app.id, appVersion: app.version ?? Timestamp(millis: 0), configVersion: app.version ?? Timestamp(millis: 0),
        agentId: "agent-1", host: "node1.example.com", ports: ports, resources: app.resources,
        stagedAt: Timestamp(millis: 1_700_000_000_000))
    return LaunchTask(instance: instance, app: app, killGracePeriodSeconds: grace)
}

/// The record the agent persisted for `instanceId`, if any.
func readRecord(dataDir: String, instanceId: String) -> TaskRecord? {
    guard let data = FileManager.default.contents(atPath: "\(dataDir)/agent/tasks/\(instanceId).json") else { return nil }
    return try? JSONDecoder().decode(TaskRecord.self, from: data)
}

/// Whether `pid` is a live process (zombies count as dead).
func isAlive(_ pid: Int32) -> Bool {
    ProcStat.isAlive(pid: pid, startTime: nil)
}

func fileText(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

import Foundation
import Logging
import Synchronization
import Testing
import WharfAgent
import WharfModel

/// A "docker" runtime whose starts never finish on their own, like a pull from a registry that
/// accepts connections and never answers; it notes starts and their cancellations.
private final class StallingRuntime: Runtime {
    let name = "docker"
    let isolation = "none: test"
    let exits: AsyncStream<TaskExit>
    private let exitContinuation: AsyncStream<TaskExit>.Continuation
    private let events = Mutex<[String]>([])

    init() {
        (exits, exitContinuation) = AsyncStream.makeStream()
    }

    var seen: [String] { events.withLock { $0 } }

    func start(_ spec: TaskSpec) async throws -> TaskHandle {
        events.withLock { $0.append("start \(spec.instanceId)") }
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        events.withLock { $0.append("cancelled \(spec.instanceId)") }
        throw CancellationError()
    }

    func stop(_ handle: TaskHandle, gracePeriod: Duration) async {}
    func adopt(_ handle: TaskHandle) async -> Bool { false }
    func detach() async { exitContinuation.finish() }
}

@Suite("Agent inbox: submitted commands never wait on each other", .timeLimit(.minutes(2)))
struct AgentInboxTests {
    private func makeAgent(dataDir: String, stalling: StallingRuntime) -> Agent {
        let configuration = AgentConfiguration(
            agentId: "agent-1", host: "127.0.0.1", dataDir: dataDir,
            capacity: Resources(cpus: 2, mem: 1024, disk: 1024), useCgroups: false)
        return Agent(
            configuration: configuration,
            runtimes: [ProcessRuntime(cgroups: .unavailable(reason: "test"), logs: TaskLogs(logger: quietLogger), logger: quietLogger), stalling],
            logger: quietLogger)
    }

    private func stalledImageApp() -> AppDefinition {
        var app = makeApp("pulling")
        app.container = Container(type: .docker, docker: DockerSettings(image: "127.0.0.1:9/never-answers:1"))
        return app
    }

    @Test("a launch stuck in its image pull holds up neither another launch nor its own kill")
    func stalledLaunchBlocksNothing() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let stalling = StallingRuntime()
        let agent = makeAgent(dataDir: dir.path, stalling: stalling)
        let log = ReportLog.following(agent.reports)
        let pulling = makeLaunch(stalledImageApp())
        let process = makeLaunch(makeApp("sleeper", cmd: "sleep 30"), grace: 1)

        agent.submit(.launch(pulling))
        agent.submit(.launch(process))
        #expect(await eventually { await log.states(process.instance.id).contains(.running) })
        #expect(stalling.seen == ["start \(pulling.instance.id)"])
        #expect(await log.states(pulling.instance.id) == [])

        agent.submit(.kill(KillTask(instanceId: pulling.instance.id, gracePeriodSeconds: 1, reason: "app destroyed")))
        #expect(await eventually { await log.terminal(pulling.instance.id)?.state == .killed })
        #expect(await log.states(pulling.instance.id) == [.killing, .killed])
        #expect(stalling.seen.contains("cancelled \(pulling.instance.id)"))

        agent.submit(.kill(KillTask(instanceId: process.instance.id, gracePeriodSeconds: 1, reason: "done")))
        #expect(await eventually { await log.terminal(process.instance.id)?.state == .killed })
        await agent.shutdown()
    }

    @Test("a kill submitted right after its launch finds the task, in order")
    func killRightAfterLaunch() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let agent = makeAgent(dataDir: dir.path, stalling: StallingRuntime())
        let log = ReportLog.following(agent.reports)
        let launches = (0..<5).map { makeLaunch(makeApp("quick\($0)", cmd: "sleep 30"), grace: 1) }
        for launch in launches {
            agent.submit(.launch(launch))
            agent.submit(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 1, reason: "changed my mind")))
        }
        for launch in launches {
            #expect(await eventually { await log.terminal(launch.instance.id)?.state == .killed })
            // Never "unknown to agent": the kill came after the launch was taken on.
            #expect(await !log.states(launch.instance.id).contains(.gone))
        }
        await agent.shutdown()
    }
}

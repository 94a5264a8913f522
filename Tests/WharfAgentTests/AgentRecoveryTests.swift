import Foundation
import Glibc
import Testing
@testable import WharfAgent
import WharfModel

@Suite("Agent recovery after a restart", .timeLimit(.minutes(3)))
struct AgentRecoveryTests {
    @Test func newAgentAdoptsARunningTaskAndCanKillIt() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (first, firstLog) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(cmd: "sleep 1000"))
        await first.handle(.launch(launch))
        #expect(await eventually { await firstLog.states(launch.instance.id) == [.running] })
        let record = try #require(readRecord(dataDir: dir.path, instanceId: launch.instance.id))
        let pid = try #require(record.handle.pid)
        #expect(record.taskId == launch.instance.taskId)
        #expect(record.handle.processStartTime == ProcStat.read(pid: pid)?.startTime)
        #expect(record.handle.processGroup == pid)
        // Graceful shutdown of the agent leaves its tasks running.
        await first.shutdown()
        #expect(isAlive(pid))

        let (second, secondLog) = await startAgent(dataDir: dir.path)
        #expect(await eventually { await secondLog.fullStates().count == 1 })
        let full = try #require(await secondLog.fullStates().first)
        #expect(full.map(\.instanceId) == [launch.instance.id])
        #expect(full.first?.state == .running)
        #expect(full.first?.message == "re-adopted after agent restart (pid \(pid))")
        #expect(readRecord(dataDir: dir.path, instanceId: launch.instance.id)?.handle.pid == pid)

        await second.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 5, reason: "done")))
        #expect(await eventually { await secondLog.terminal(launch.instance.id) != nil })
        #expect(await secondLog.states(launch.instance.id) == [.killing, .killed])
        #expect(!isAlive(pid))
        #expect(await eventually { readRecord(dataDir: dir.path, instanceId: launch.instance.id) == nil })
    }

    @Test func taskThatEndedWhileTheAgentWasDownIsReportedFailed() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (first, firstLog) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(cmd: "sleep 1000 & echo $! > child.pid; wait"))
        let sandbox = "\(dir.path)/sandboxes/test_app/\(launch.instance.taskId)"
        await first.handle(.launch(launch))
        #expect(await eventually { await firstLog.states(launch.instance.id) == [.running] })
        #expect(await eventually { Int32(fileText(sandbox + "/child.pid").trimmingCharacters(in: .whitespacesAndNewlines)) != nil })
        let child = try #require(Int32(fileText(sandbox + "/child.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        let pid = try #require(readRecord(dataDir: dir.path, instanceId: launch.instance.id)?.handle.pid)
        await first.shutdown()
        // The task's main process dies while no agent runs; its background child lives on.
        kill(pid, SIGKILL)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)

        let (second, secondLog) = await startAgent(dataDir: dir.path)
        #expect(await eventually { await secondLog.fullStates().count == 1 })
        let ended = try #require(await secondLog.terminal(launch.instance.id))
        #expect(ended.state == .gone)
        #expect(ended.message == "process exited while the agent was down (its exit status is unknown)")
        #expect(await secondLog.fullStates().first?.first?.state == .gone)
        #expect(readRecord(dataDir: dir.path, instanceId: launch.instance.id) == nil)
        // What was left of the task's session is cleaned up.
        #expect(await eventually { !isAlive(child) })
        await second.shutdown()
    }

    @Test func recordWhosePidWasReusedIsNotAdopted() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        // A record naming this very test process, but with a start time that does not match it.
        let me = getpid()
        let start = try #require(ProcStat.read(pid: me)?.startTime)
        let record = TaskRecord(
            instanceId: "test_app.instance-reused", incarnation: 2, taskId: "test_app.instance-reused._app.2",
            appId: PathId("/test/app"), appVersion: Timestamp(millis: 0),
            handle: TaskHandle(runtime: "process", taskId: "test_app.instance-reused._app.2", pid: me,
                               processStartTime: start + 1, processGroup: me, sandbox: dir.path + "/sb"),
            killGracePeriodSeconds: 3, startedAt: Timestamp(millis: 0), kill: nil)
        try await TaskRecordStore(directory: dir.path + "/agent/tasks", quarantineDirectory: dir.path + "/agent/tasks-quarantine").save(record)

        let (agent, log) = await startAgent(dataDir: dir.path)
        #expect(await eventually { await log.fullStates().count == 1 })
        let status = try #require(await log.fullStates().first?.first)
        #expect(status.instanceId == "test_app.instance-reused")
        #expect(status.incarnation == 2)
        #expect(status.state == .gone, "how it ended is unknown: not counted as the app's failure")
        await agent.shutdown()
    }
}

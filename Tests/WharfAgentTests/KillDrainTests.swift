import Foundation
import Glibc
import Testing
@testable import WharfAgent
import WharfModel

@Suite("Agent kill draining", .timeLimit(.minutes(3)))
struct KillDrainTests {
    @Test func killReportsKillingAtOnceAndSignalsAfterTheDrain() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        defer { Task { await agent.shutdown() } }
        let (id, pid) = try await launchSleeper(agent: agent, log: log, dataDir: dir.path)

        let asked = ContinuousClock.now
        await agent.handle(.kill(KillTask(instanceId: id, gracePeriodSeconds: 5, drainSeconds: 1.5, reason: "draining")))
        // KILLING is reported at once — before the drain ends, while the process still runs (a
        // terminal state would have been logged after it).
        #expect(await eventually { await log.states(id) == [.running, .killing] })
        #expect(isAlive(pid))
        // The kill is recorded (a restarted agent finishes it); a second kill changes nothing.
        #expect(readRecord(dataDir: dir.path, instanceId: id)?.kill?.reason == "draining")
        await agent.handle(.kill(KillTask(instanceId: id, gracePeriodSeconds: 0, reason: "again")))
        // Other commands are served during the drain.
        await agent.handle(.reconcile)
        #expect(await eventually { await log.fullStates().last?.first?.state == .killing })
        #expect(isAlive(pid))

        #expect(await eventually { await log.terminal(id) != nil })
        #expect(ContinuousClock.now - asked >= .milliseconds(1500))
        let status = try #require(await log.terminal(id))
        #expect(await log.states(id) == [.running, .killing, .killed])
        #expect(status.signal == SIGTERM)
        #expect(status.message == "draining (killed by signal 15 (SIGTERM))")
        #expect(!isAlive(pid))
    }

    @Test func taskExitingDuringTheDrainIsReportedKilled() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        defer { Task { await agent.shutdown() } }
        let (id, pid) = try await launchSleeper(agent: agent, log: log, dataDir: dir.path)

        await agent.handle(.kill(KillTask(instanceId: id, gracePeriodSeconds: 5, drainSeconds: 600, reason: "scale down")))
        kill(pid, SIGKILL)
        #expect(await eventually { await log.terminal(id) != nil })
        let status = try #require(await log.terminal(id))
        #expect(status.state == .killed)
        #expect(status.message == "scale down (killed by signal 9 (SIGKILL))")
        #expect(await eventually { readRecord(dataDir: dir.path, instanceId: id) == nil })
    }

    @Test func killStopsHealthChecks() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        var app = makeApp("checked", cmd: "sleep 1000")
        app.healthChecks = [testCheck(.command, command: "echo run >> ../check-runs", grace: 0)]
        let launch = makeLaunch(app)
        let id = launch.instance.id
        let runs = "\(dir.path)/sandboxes/test_checked/check-runs"
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.latestHealth(id)?.healthy == true })

        await agent.handle(.kill(KillTask(instanceId: id, gracePeriodSeconds: 5, drainSeconds: 2.5, reason: "bye")))
        let runsAtKill = fileText(runs).split(separator: "\n").count
        #expect(await eventually { await log.statuses(id).last?.state == .killing })
        let killing = try #require(await log.statuses(id).last)
        #expect(killing.health?.healthy == true)
        #expect(await eventually { await log.terminal(id) != nil })
        // The check (every second) did not run during the 2.5 s drain (one may have been in flight).
        #expect(fileText(runs).split(separator: "\n").count <= runsAtKill + 1)
        // Nothing was reported for the task between KILLING and its end.
        #expect(await log.states(id).drop { $0 != .killing } == [.killing, .killed])
    }

    /// Launches a task that sleeps, waits until it runs; returns its instance id and pid.
    private func launchSleeper(agent: Agent, log: ReportLog, dataDir: String) async throws -> (String, Int32) {
        let launch = makeLaunch(makeApp(cmd: "sleep 1000"))
        let id = launch.instance.id
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.states(id) == [.running] })
        return (id, try #require(readRecord(dataDir: dataDir, instanceId: id)?.handle.pid))
    }
}

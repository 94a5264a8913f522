import Foundation
import Glibc
import Testing
@testable import WharfAgent
import WharfModel

@Suite("Agent health and readiness checks", .timeLimit(.minutes(3)))
struct HealthCheckTests {
    @Test func httpCheckReportsHealthyThenUnhealthyAndRedirectsCountHealthy() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        let app = makeServerApp("http", dir: dir, healthChecks: [
            testCheck(.http), testCheck(.mesosHttp, path: "/redirect"),
        ])
        let launch = makeLaunch(app, ports: [freePort()])
        let id = launch.instance.id
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.statuses(id).first?.state == .running })
        #expect(await log.statuses(id).first?.health == TaskHealth(results: [nil, nil]))
        #expect(await eventually { await log.latestHealth(id)?.healthy == true })
        let healthy = try #require(await log.latestHealth(id))
        #expect(healthy.results[0]?.consecutiveFailures == 0)
        #expect(healthy.results[0]?.firstSuccess != nil)
        #expect(healthy.results[1]?.alive == true)

        FileManager.default.createFile(atPath: sandbox(of: launch, in: dir) + "/unhealthy", contents: nil)
        #expect(await eventually { await log.latestHealth(id)?.results[0]?.alive == false })
        let sick = try #require(await log.latestHealth(id)?.results[0])
        #expect(sick.lastFailureCause == "HTTP 503")
        #expect(sick.consecutiveFailures >= 1)
        #expect(await log.latestHealth(id)?.healthy == false)
        #expect(await log.latestHealth(id)?.killReason == nil)
        #expect(await log.states(id).allSatisfy { $0 == .running })
        await stopTask(launch, agent: agent, log: log)
    }

    @Test func hangingEndpointTimesOutWithoutDelayingAnotherCheck() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        let app = makeServerApp("hang", dir: dir, healthChecks: [
            testCheck(.http, path: "/hang", grace: 0, interval: 1, timeout: 4), testCheck(.http),
        ])
        let launch = makeLaunch(app, ports: [freePort()])
        let id = launch.instance.id
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.latestHealth(id)?.results[0] != nil })
        let healths = await log.healths(id).compactMap { $0 }
        let firstHang = try #require(healths.firstIndex { $0.results[0] != nil })
        let firstHealthy = try #require(healths.firstIndex { $0.results[1]?.alive == true })
        // The second check passed while the first was still waiting for its answer.
        #expect(firstHealthy < firstHang)
        let hang = try #require(healths[firstHang].results[0])
        #expect(hang.lastFailureCause == "timed out after 4s")
        #expect(!hang.alive)
        await stopTask(launch, agent: agent, log: log)
    }

    @Test func tcpCheckPassesOnAListeningPortAndFailsOnAClosedOne() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        let closed = freePort()
        let app = makeServerApp("tcp", dir: dir, healthChecks: [
            testCheck(.tcp), testCheck(.mesosTcp, port: closed, grace: 0),
        ])
        let launch = makeLaunch(app, ports: [freePort()])
        let id = launch.instance.id
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.latestHealth(id)?.results[0]?.alive == true })
        #expect(await eventually { await log.latestHealth(id)?.results[1] != nil })
        let refused = try #require(await log.latestHealth(id)?.results[1])
        #expect(!refused.alive)
        #expect(refused.lastFailureCause == "connection refused")
        await stopTask(launch, agent: agent, log: log)
    }

    @Test func commandCheckRunsWithTheTaskEnvironmentInItsSandbox() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        var app = makeApp("command", cmd: "sleep 1000")
        app.env = ["CHECK_GREETING": .value("hello")]
        app.healthChecks = [testCheck(.command, command: """
            echo "$CHECK_GREETING $PORT0 $MESOS_TASK_ID $(pwd)" > check.out
            test -e flag || { echo first line; echo "no flag here"; exit 3; }
            """, grace: 0)]
        let launch = makeLaunch(app, ports: [31_234])
        let id = launch.instance.id
        let sandbox = sandbox(of: launch, in: dir)
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.latestHealth(id)?.results[0] != nil })
        let failed = try #require(await log.latestHealth(id)?.results[0])
        #expect(failed.lastFailureCause == "exit code 3: no flag here")
        #expect(fileText(sandbox + "/check.out") == "hello 31234 \(launch.instance.taskId) \(sandbox)\n")

        FileManager.default.createFile(atPath: sandbox + "/flag", contents: nil)
        #expect(await eventually { await log.latestHealth(id)?.results[0]?.alive == true })
        #expect(await log.latestHealth(id)?.results[0]?.consecutiveFailures == 0)
        await stopTask(launch, agent: agent, log: log)
    }

    @Test func commandCheckPrintingMegabytesIsDrainedNotBlocked() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        var app = makeApp("chatty", cmd: "sleep 1000")
        app.healthChecks = [testCheck(.command, command: """
            head -c 4000000 /dev/zero | tr '\\0' x; echo; echo tail-line; exit 1
            """, grace: 0, timeout: 10)]
        let launch = makeLaunch(app)
        let id = launch.instance.id
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.latestHealth(id)?.results[0] != nil })
        // Had the pipe not been drained, `tr` would block and the check time out instead.
        #expect(await log.latestHealth(id)?.results[0]?.lastFailureCause == "exit code 1: tail-line")
        await stopTask(launch, agent: agent, log: log)
    }

    @Test func commandCheckThatForksForeverIsKilledAtItsTimeout() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        let marker = "\(Int.random(in: 100_000...999_999)).5"
        var app = makeApp("forks", cmd: "sleep 1000")
        app.healthChecks = [testCheck(.command, command: """
            while true; do (sleep \(marker) &); sleep 0.01; done
            """, grace: 0, timeout: 1, maxFailures: 1)]
        let launch = makeLaunch(app)
        let id = launch.instance.id
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.latestHealth(id)?.killReason != nil })
        let health = try #require(await log.latestHealth(id))
        #expect(health.results[0]?.lastFailureCause == "timed out after 1s")
        #expect(health.killReason == "health check 0 (COMMAND) failed 1 times in a row: timed out after 1s")
        // Every process the check forked, also those that left its process group, is gone.
        #expect(await eventually { processes(containing: "sleep \(marker)").isEmpty })
        // The agent does not kill the task itself: the control plane does.
        #expect(await log.terminal(id) == nil)
        let pid = try #require(readRecord(dataDir: dir.path, instanceId: id)?.handle.pid)
        #expect(isAlive(pid))
        await stopTask(launch, agent: agent, log: log)
    }

    @Test func failuresWithinTheGracePeriodAreNotCounted() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        // Nothing listens on the checked port: every attempt fails.
        var app = makeApp("grace", cmd: "sleep 1000")
        app.healthChecks = [testCheck(.tcp, port: freePort(), grace: 3, maxFailures: 2)]
        let launch = makeLaunch(app)
        let id = launch.instance.id
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.latestHealth(id)?.results[0] != nil })
        let started = try #require(readRecord(dataDir: dir.path, instanceId: id)?.startedAt)
        let first = try #require(await log.healths(id).compactMap { $0?.results[0] }.first)
        #expect(first.consecutiveFailures == 1)
        #expect(first.firstSuccess == nil)
        let lastFailure = try #require(first.lastFailure)
        #expect(lastFailure.seconds(since: started) >= 3)
        #expect(await eventually { await log.latestHealth(id)?.killReason != nil })
        #expect(await log.latestHealth(id)?.killReason
            == "health check 0 (TCP) failed 2 times in a row: connection refused")
        await stopTask(launch, agent: agent, log: log)
    }

    @Test func killReasonIsSetAfterMaxConsecutiveFailures() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        let app = makeServerApp("failing", dir: dir, healthChecks: [testCheck(.http, maxFailures: 3)])
        let launch = makeLaunch(app, ports: [freePort()])
        let id = launch.instance.id
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.latestHealth(id)?.healthy == true })

        FileManager.default.createFile(atPath: sandbox(of: launch, in: dir) + "/unhealthy", contents: nil)
        #expect(await eventually { await log.latestHealth(id)?.killReason != nil })
        let health = try #require(await log.latestHealth(id))
        #expect(health.killReason == "health check 0 (HTTP /health) failed 3 times in a row: HTTP 503")
        // One report per counted failure, each with the count so far.
        let counts = await log.healths(id).compactMap { $0?.results[0]?.consecutiveFailures }.filter { $0 > 0 }
        #expect(counts == [1, 2, 3])
        #expect(await log.terminal(id) == nil)
        await stopTask(launch, agent: agent, log: log)
    }

    @Test func readinessCheckBecomesReadyAndKeepsTheLastResponse() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await agent.shutdown() } }
        var app = makeServerApp("ready", dir: dir, readinessChecks: [ReadinessCheck(
            name: "warm", path: "/ready", portName: "api", intervalSeconds: 1, timeoutSeconds: 2,
            httpStatusCodesForReady: [200], preserveLastResponse: true)])
        app.portDefinitions = [PortDefinition(port: 0, name: "api")]
        let launch = makeLaunch(app, ports: [freePort()])
        let id = launch.instance.id
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.statuses(id).first?.state == .running })
        #expect(await log.statuses(id).first?.health
            == TaskHealth(results: [], readiness: [ReadinessCheckResult(name: "warm", ready: false)]))
        #expect(await eventually { await log.latestHealth(id)?.readiness.first?.lastResponse?.status == 503 })
        #expect(await log.latestHealth(id)?.ready == false)

        FileManager.default.createFile(atPath: sandbox(of: launch, in: dir) + "/ready", contents: nil)
        #expect(await eventually { await log.latestHealth(id)?.ready == true })
        let result = try #require(await log.latestHealth(id)?.readiness.first)
        #expect(result.lastResponse == ReadinessCheckResult.Response(
            status: 200, contentType: "text/plain", body: "ready-body"))
        await stopTask(launch, agent: agent, log: log)
    }

    @Test func readoptedTaskResumesItsChecks() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (first, firstLog) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        let app = makeServerApp("resume", dir: dir, healthChecks: [testCheck(.http, grace: 3, interval: 60)])
        let launch = makeLaunch(app, ports: [freePort()])
        let id = launch.instance.id
        await first.handle(.launch(launch))
        #expect(await eventually { await firstLog.latestHealth(id)?.healthy == true })
        let record = try #require(readRecord(dataDir: dir.path, instanceId: id))
        #expect(record.checks?.healthChecks == app.healthChecks)
        #expect(record.checks?.ports == launch.instance.ports)
        #expect(record.checks?.host == "127.0.0.1")
        await first.shutdown()
        // The task turns unhealthy while no agent watches it, and its grace period ends.
        FileManager.default.createFile(atPath: sandbox(of: launch, in: dir) + "/unhealthy", contents: nil)
        #expect(await eventually { Timestamp.now().seconds(since: record.startedAt) > 3.2 })

        let (second, secondLog) = await startAgent(dataDir: dir.path, host: "127.0.0.1")
        defer { Task { await second.shutdown() } }
        #expect(await eventually { await secondLog.fullStates().count == 1 })
        #expect(await secondLog.fullStates().first?.first?.health == TaskHealth(results: [nil]))
        // The first attempt runs at once, not after the 60 s interval, and counts: the grace period
        // runs from the task's original start.
        #expect(await eventually { await secondLog.latestHealth(id)?.results[0] != nil })
        let result = try #require(await secondLog.latestHealth(id)?.results[0])
        #expect(result.lastFailureCause == "HTTP 503")
        #expect(result.consecutiveFailures == 1)
        await stopTask(launch, agent: second, log: secondLog)
    }
}

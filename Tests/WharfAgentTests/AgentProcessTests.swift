import Foundation
import Glibc
import Testing
@testable import WharfAgent
import WharfModel

@Suite("Agent running processes", .timeLimit(.minutes(3)))
struct AgentProcessTests {
    @Test func finishedTaskWritesItsOutputToTheSandbox() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(cmd: "echo hi; echo err >&2; pwd; echo \"$MESOS_TASK_ID $PORT0\""), ports: [31005])
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(status.state == .finished)
        #expect(status.exitCode == 0)
        #expect(await log.states(launch.instance.id) == [.running, .finished])
        let sandbox = "\(dir.path)/sandboxes/test_app/\(launch.instance.taskId)"
        #expect(fileText(sandbox + "/stdout") == "hi\n\(sandbox)\n\(launch.instance.taskId) 31005\n")
        #expect(fileText(sandbox + "/stderr") == "err\n")
        // The record is gone once the terminal status was reported.
        #expect(await eventually { readRecord(dataDir: dir.path, instanceId: launch.instance.id) == nil })
    }

    @Test func nonZeroExitFails() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(cmd: "exit 3"))
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(status.state == .failed)
        #expect(status.exitCode == 3)
        #expect(status.message == "exited with code 3")
    }

    @Test func missingShellCommandReportsExitCode127() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(cmd: "no-such-command-wharf"))
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(status.state == .failed)
        #expect(status.message?.contains("code 127") == true)
    }

    @Test func nonexistentExecutableFailsToSpawn() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(args: ["no-such-command-wharf", "--flag"]))
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(status.state == .failed)
        #expect(status.message?.hasPrefix("spawn failed: No such file or directory") == true)
        #expect(await log.states(launch.instance.id) == [.failed])
    }

    @Test func argsRunWithoutAShell() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(args: ["echo", "$HOME", "two words"]))
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.terminal(launch.instance.id)?.state == .finished })
        let sandbox = "\(dir.path)/sandboxes/test_app/\(launch.instance.taskId)"
        #expect(fileText(sandbox + "/stdout") == "$HOME two words\n")
    }

    @Test func killStopsTheWholeProcessGroupWithSIGTERM() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(cmd: "sleep 1000 & echo $! > child.pid; sleep 1000"))
        let sandbox = "\(dir.path)/sandboxes/test_app/\(launch.instance.taskId)"
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.states(launch.instance.id) == [.running] })
        #expect(await eventually { Int32(fileText(sandbox + "/child.pid").trimmingCharacters(in: .whitespacesAndNewlines)) != nil })
        let child = try #require(Int32(fileText(sandbox + "/child.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        let pid = try #require(readRecord(dataDir: dir.path, instanceId: launch.instance.id)?.handle.pid)
        #expect(isAlive(child))

        await agent.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 30, reason: "scaling down")))
        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(await log.states(launch.instance.id) == [.running, .killing, .killed])
        #expect(status.signal == SIGTERM)
        #expect(status.message == "scaling down (killed by signal 15 (SIGTERM))")
        #expect(!isAlive(pid))
        #expect(await eventually { !isAlive(child) })
    }

    @Test func taskIgnoringSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(cmd: "trap '' TERM; echo ready; sleep 1000"))
        let sandbox = "\(dir.path)/sandboxes/test_app/\(launch.instance.taskId)"
        await agent.handle(.launch(launch))
        // The trap must be in place before the kill, or SIGTERM would end the shell.
        #expect(await eventually { fileText(sandbox + "/stdout") == "ready\n" })

        await agent.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 0.3, reason: "restart")))
        #expect(await eventually { await log.states(launch.instance.id).contains(.killing) })
        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(status.state == .killed)
        #expect(status.signal == SIGKILL)
        #expect(status.message?.contains("SIGKILL") == true)
    }

    @Test func launchingTheSameInstanceTwiceStartsOneProcess() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(cmd: "echo $$ >> ../pids; sleep 1000"))
        await agent.handle(.launch(launch))
        await agent.handle(.launch(launch))
        await agent.handle(.reconcile)

        #expect(await eventually { await log.fullStates().count == 2 })
        #expect(await log.states(launch.instance.id) == [.running])
        let full = try #require(await log.fullStates().last)
        #expect(full.map(\.instanceId) == [launch.instance.id])
        #expect(await agent.taskStatuses().count == 1)
        await agent.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 5, reason: "test over")))
        #expect(await eventually { await log.terminal(launch.instance.id)?.state == .killed })
        let pids = fileText("\(dir.path)/sandboxes/test_app/pids").split(separator: "\n")
        #expect(pids.count == 1)
    }

    @Test func killOfAnUnknownInstanceReportsItGone() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        await agent.handle(.kill(KillTask(instanceId: "test_app.instance-unknown", gracePeriodSeconds: 1, reason: "cleanup")))

        #expect(await eventually { await !log.statuses("test_app.instance-unknown").isEmpty })
        let status = try #require(await log.statuses("test_app.instance-unknown").first)
        #expect(status.state == .gone)
        #expect(status.message == "unknown to agent")
    }

    @Test func announcesItselfOnStart() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path)
        #expect(await eventually { await log.fullStates().count == 1 })
        let info = try #require(await log.registrations.first)
        #expect(info.id == "agent-1")
        #expect(info.host == "node1.example.com")
        #expect(info.runtimes == ["process"])
        #expect(info.isolation == "none: disabled by configuration")
        #expect(await log.fullStates() == [[]])
        await agent.shutdown()
    }

    @Test func localLinkForwardsCommandsAndReports() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let configuration = AgentConfiguration(agentId: "dev", dataDir: dir.path, useCgroups: false)
        let link = LocalAgentLink(agent: Agent(configuration: configuration, logger: quietLogger), logger: quietLogger)
        let log = ReportLog.following(link.reports)
        let launch = makeLaunch(makeApp(cmd: "true"))
        link.send(.launch(launch), to: "dev")
        link.send(.launch(makeLaunch(makeApp(cmd: "true"))), to: "elsewhere")

        #expect(await eventually { await log.terminal(launch.instance.id)?.state == .finished })
        #expect(await log.registrations.map(\.id) == ["dev"])
        let launched = await log.reports.filter { if case .status = $0 { return true } else { return false } }
        #expect(launched.count == 2)
    }
}

import Foundation
import Testing
import WharfAgent
import WharfModel

/// A unix-socket proxy to the real engine that a test can start and stop, standing in for an
/// engine that goes away and comes back.
private final class EngineProxy {
    let socketPath: String
    private var process: Process?

    init(socketPath: String) { self.socketPath = socketPath }

    static let script = #"""
        import os, socket, sys, threading
        path, target = sys.argv[1], sys.argv[2]
        if os.path.exists(path): os.unlink(path)
        server = socket.socket(socket.AF_UNIX); server.bind(path); server.listen(64)
        def pipe(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data: break
                    b.sendall(data)
            except OSError: pass
            finally:
                for s in (a, b):
                    try: s.shutdown(socket.SHUT_RDWR)
                    except OSError: pass
        while True:
            client, _ = server.accept()
            upstream = socket.socket(socket.AF_UNIX); upstream.connect(target)
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        """#

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, socketPath, DockerAvailability.socketPath]
        try process.run()
        self.process = process
    }

    /// Kills the proxy and removes its socket. (Polls rather than `waitUntilExit()`, which can spin
    /// inside Swift concurrency on Linux.)
    func stop() async {
        if let process {
            // SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            for _ in 0..<200 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        }
        process = nil
        unlink(socketPath)
    }
}

@Suite("Docker engine availability", .serialized, .enabled(if: DockerAvailability.isAvailable || DockerAvailability.isRequired, "no Docker engine at /var/run/docker.sock"), .timeLimit(.minutes(5)))
struct DockerAvailabilityTests {
    @Test("the docker runtime is offered only while an engine answers, and re-announced when that changes")
    func offeredWhileTheEngineAnswers() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let proxy = EngineProxy(socketPath: dir.path + "/engine.sock")
        var configuration = AgentConfiguration(
            agentId: "agent-1", host: "127.0.0.1", dataDir: dir.path + "/data",
            capacity: Resources(cpus: 2, mem: 1024, disk: 1024), useCgroups: false, dockerSocket: proxy.socketPath)
        configuration.runtimeCheckSeconds = 0.2
        let agent = Agent(configuration: configuration, logger: quietLogger)
        let log = ReportLog.following(agent.reports)
        await agent.start()
        #expect(await eventually { await log.registrations.first?.runtimes == ["process"] }, "docker offered without an engine")
        try proxy.start()
        #expect(await eventually { await log.registrations.last?.runtimes == ["process", "docker"] },
                "not re-announced with docker once the engine answered")
        #expect(await agent.info.runtimes == ["process", "docker"])
        let fullStatesBefore = await log.fullStates().count
        await proxy.stop()
        #expect(await eventually { await log.registrations.last?.runtimes == ["process"] },
                "still offering docker after the engine went away")
        #expect(await log.fullStates().count > fullStatesBefore, "a re-announcement must carry the agent's tasks")
        await agent.shutdown()
    }

    @Test("tasks recorded while the engine is away are held, then re-adopted when it answers")
    func heldUntilTheEngineAnswers() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path + "/data"); dir.cleanUp() }
        let proxy = EngineProxy(socketPath: dir.path + "/engine.sock")
        var configuration = AgentConfiguration(
            agentId: "agent-1", host: "127.0.0.1", dataDir: dir.path + "/data",
            capacity: Resources(cpus: 2, mem: 1024, disk: 1024), useCgroups: false, dockerSocket: proxy.socketPath)
        configuration.runtimeCheckSeconds = 0.2

        try proxy.start()
        #expect(await eventually { FileManager.default.fileExists(atPath: proxy.socketPath) })
        let first = Agent(configuration: configuration, logger: quietLogger)
        let firstLog = ReportLog.following(first.reports)
        await first.start()
        let launch = makeLaunch(makeDockerApp("held", cmd: "sleep 1000"))
        await first.handle(.launch(launch))
        #expect(await eventually { await firstLog.states(launch.instance.id) == [.running] })
        let containers = agentContainers(dataDir: dir.path + "/data")
        #expect(containers.count == 1)
        await first.shutdown()
        await proxy.stop()

        // Restarted while the engine is away: the task is held as running, not reported gone.
        let second = Agent(configuration: configuration, logger: quietLogger)
        let secondLog = ReportLog.following(second.reports)
        await second.start()
        #expect(await eventually { await secondLog.fullStates().count == 1 })
        #expect(await secondLog.fullStates().first?.map(\.state) == [.running])
        #expect(await secondLog.registrations.first?.runtimes == ["process"])

        try proxy.start()
        #expect(await eventually { await secondLog.registrations.last?.runtimes == ["process", "docker"] })
        #expect(await secondLog.terminal(launch.instance.id) == nil, "the held task was reported ended")
        #expect(agentContainers(dataDir: dir.path + "/data") == containers, "the container was not kept")

        await second.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 1, reason: "done")))
        #expect(await eventually { await secondLog.terminal(launch.instance.id)?.state == .killed })
        #expect(await eventually { agentContainers(dataDir: dir.path + "/data").isEmpty })
        await second.shutdown()
        await proxy.stop()
    }
}


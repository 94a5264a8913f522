import Foundation
import NIOCore
import Testing
@testable import WharfAgent
import WharfModel

/// Fails when CI demands Docker (`WHARF_REQUIRE_DOCKER=1`) and no engine answers, so that the
/// suite below is never skipped silently there.
@Test(.timeLimit(.minutes(1))) func dockerEngineAnswersWhenRequired() {
    #expect(
        DockerAvailability.isAvailable || !DockerAvailability.isRequired,
        "WHARF_REQUIRE_DOCKER=1 but no Docker engine answers at \(DockerAvailability.socketPath)")
}

@Suite("Docker runtime", .serialized, .enabled(if: DockerAvailability.isAvailable || DockerAvailability.isRequired, "no Docker engine at /var/run/docker.sock"), .timeLimit(.minutes(5)))
struct DockerRuntimeTests {
    init() throws {
        try ensureTestImage()
    }

    @Test func testImageCarriesTheCurrentRecipe() throws {
        let label = dockerCLI(["image", "inspect", "--format", "{{index .Config.Labels \"io.wharf.recipe\"}}",
                               DockerAvailability.testImage])
        let recipe = try #require(runScript("scripts/docker-test-images", ["--print-recipe"]))
        #expect(recipe.count == 16)
        #expect(label.output == recipe)
    }

    @Test func runtimeConnectsAndNegotiatesTheAPIVersion() async throws {
        let runtime = DockerRuntime(socketPath: DockerAvailability.socketPath, agentDataDir: "/nowhere", logs: TaskLogs(logger: quietLogger), logger: quietLogger)
        let reason = await runtime.connect()
        #expect(reason == nil)
        let version = try #require(await runtime.engine?.version)
        #expect(version >= DockerEngine.minimumVersion && version <= DockerEngine.maximumVersion)
        await runtime.detach()
        let missing = DockerRuntime(socketPath: "/nonexistent/docker.sock", agentDataDir: "/nowhere", logs: TaskLogs(logger: quietLogger), logger: quietLogger)
        #expect(await missing.connect()?.contains("/nonexistent/docker.sock") == true)
    }

    @Test func bridgePortMappingAnswersOnTheHostPort() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        #expect(await log.registrations.first?.runtimes == ["process", "docker"])
        let port = freePort()
        let launch = makeLaunch(makeDockerApp("web", cmd: "httpd -f -p 8080 -h /www", bridgePorts: [8080]), ports: [port])
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.states(launch.instance.id) == [.running] })
        #expect(await log.statuses(launch.instance.id).first?.message?.hasPrefix("started (container ") == true)
        let probe = HTTPProbe()
        var status = 0
        let answered = await eventually {
            status = (try? await probe.get("http://127.0.0.1:\(port)/index.html", timeout: .seconds(2)))?.status ?? 0
            return status == 200
        }
        #expect(answered, "HTTP status \(status)")
        await probe.shutdown()
        #expect(agentContainers(dataDir: dir.path).count == 1)

        await agent.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 2, reason: "test over")))
        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        #expect(await log.terminal(launch.instance.id)?.state == .killed)
        #expect(await eventually { agentContainers(dataDir: dir.path).isEmpty })
        await agent.shutdown()
    }

    @Test func containerSeesTheTaskEnvironmentAndItsOutputIsCaptured() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        var app = makeDockerApp("env", cmd: "env > $MESOS_SANDBOX/env.txt; echo to-stdout; echo to-stderr >&2")
        app.env = ["GREETING": .value("hello")]
        let launch = makeLaunch(app, ports: [12345])
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let ended = try #require(await log.terminal(launch.instance.id))
        #expect(ended.state == .finished, "\(ended.message ?? "")")
        let sandbox = sandbox(of: launch, in: dir)
        let env = fileText(sandbox + "/env.txt")
        #expect(env.contains("GREETING=hello"))
        #expect(env.contains("MARATHON_APP_ID=/test/env"))
        #expect(env.contains("MESOS_TASK_ID=\(launch.instance.taskId)"))
        #expect(env.contains("MESOS_SANDBOX=/mnt/mesos/sandbox"))
        #expect(env.contains("PORT0=12345"))
        #expect(env.contains("HOST=127.0.0.1"))
        // The image's PATH, not the agent's.
        let imagePath = try #require(testImagePath())
        #expect(imagePath != ProcessInfo.processInfo.environment["PATH"])
        #expect(env.contains("PATH=\(imagePath)\n"))
        #expect(await eventually { fileText(sandbox + "/stdout").contains("to-stdout") })
        #expect(await eventually { fileText(sandbox + "/stderr").contains("to-stderr") })
        #expect(!fileText(sandbox + "/stdout").contains("to-stderr"))
        #expect(await eventually { agentContainers(dataDir: dir.path).isEmpty })
        await agent.shutdown()
    }

    @Test func exitCodesBecomeFinishedAndFailed() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        let failing = makeLaunch(makeDockerApp("fails", cmd: "exit 3"))
        let finishing = makeLaunch(makeDockerApp("finishes", args: ["sh", "-c", "true"]))
        await agent.handle(.launch(failing))
        await agent.handle(.launch(finishing))
        #expect(await eventually {
            let failed = await log.terminal(failing.instance.id), finished = await log.terminal(finishing.instance.id)
            return failed != nil && finished != nil
        })
        let failed = try #require(await log.terminal(failing.instance.id))
        #expect(failed.state == .failed)
        #expect(failed.exitCode == 3)
        #expect(failed.message == "exited with code 3")
        #expect(await log.states(failing.instance.id) == [.running, .failed])
        #expect(await log.terminal(finishing.instance.id)?.state == .finished)
        #expect(await eventually { agentContainers(dataDir: dir.path).isEmpty })
        await agent.shutdown()
    }

    @Test func killStopsTheContainerWithinTheGracePeriod() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        // Handles SIGTERM: ends at once with code 0.
        let polite = makeLaunch(makeDockerApp("polite", cmd: "trap 'echo got-term; exit 0' TERM; while true; do sleep 0.2; done"))
        // PID 1 without a handler ignores SIGTERM: SIGKILL after the grace period.
        let stubborn = makeLaunch(makeDockerApp("stubborn", cmd: "sleep 1000"))
        await agent.handle(.launch(polite))
        await agent.handle(.launch(stubborn))
        #expect(await eventually {
            let polite = await log.states(polite.instance.id), stubborn = await log.states(stubborn.instance.id)
            return polite == [.running] && stubborn == [.running]
        })
        let began = ContinuousClock.now
        await agent.handle(.kill(KillTask(instanceId: polite.instance.id, gracePeriodSeconds: 30, reason: "scaled down")))
        await agent.handle(.kill(KillTask(instanceId: stubborn.instance.id, gracePeriodSeconds: 1, reason: "scaled down")))
        #expect(await eventually {
            let polite = await log.terminal(polite.instance.id), stubborn = await log.terminal(stubborn.instance.id)
            return polite != nil && stubborn != nil
        })
        // Well before the polite task's 30 s: it ended on SIGTERM.
        #expect(ContinuousClock.now - began < .seconds(20))
        let politeEnd = try #require(await log.terminal(polite.instance.id))
        #expect(politeEnd.state == .killed)
        #expect(politeEnd.message == "scaled down (exited with code 0)")
        #expect(await log.states(polite.instance.id) == [.running, .killing, .killed])
        #expect(fileText(sandbox(of: polite, in: dir) + "/stdout").contains("got-term"))
        let stubbornEnd = try #require(await log.terminal(stubborn.instance.id))
        #expect(stubbornEnd.state == .killed)
        #expect(stubbornEnd.exitCode == 137)
        #expect(await eventually { agentContainers(dataDir: dir.path).isEmpty })
        await agent.shutdown()
    }

    @Test func memoryLimitKillsWithOutOfMemory() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        let launch = makeLaunch(makeDockerApp(
            "hog", cmd: "x=a; while true; do x=$x$x; done", mem: 16,
            parameters: [.init(key: "memory-swap", value: "16m")]))
        await agent.handle(.launch(launch))
        #expect(await eventually(timeout: .seconds(60)) { await log.terminal(launch.instance.id) != nil })
        let ended = try #require(await log.terminal(launch.instance.id))
        #expect(ended.state == .failed)
        #expect(ended.message?.contains("out of memory") == true, "\(ended.message ?? "")")
        await agent.shutdown()
    }

    @Test func pullFailureFailsTheTaskWithTheRegistryMessage() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        var app = makeDockerApp("nope", cmd: "true")
        app.container?.docker?.image = "127.0.0.1:1/nope:latest"
        let launch = makeLaunch(app)
        await agent.handle(.launch(launch))
        #expect(await eventually(timeout: .seconds(60)) { await log.terminal(launch.instance.id) != nil })
        let ended = try #require(await log.terminal(launch.instance.id))
        #expect(ended.state == .failed)
        let message = ended.message ?? ""
        #expect(message.hasPrefix("pulling image 127.0.0.1:1/nope:latest failed: "), "\(message)")
        #expect(message.contains("connection refused"), "\(message)")
        #expect(agentContainers(dataDir: dir.path).isEmpty)
        await agent.shutdown()
    }

    @Test func hostPathVolumeKeepsWhatTheContainerWrote() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        let volume = dir.path + "/volume"
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        let launch = makeLaunch(makeDockerApp(
            "writer", cmd: "echo persisted > /data/file", volumes: [Volume(containerPath: "/data", hostPath: volume, mode: "RW")]))
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        #expect(await log.terminal(launch.instance.id)?.state == .finished)
        #expect(fileText(volume + "/file") == "persisted\n")
        // Read-only volumes refuse writes.
        let readOnly = makeLaunch(makeDockerApp(
            "reader", cmd: "cat /data/file && echo again > /data/file", volumes: [Volume(containerPath: "/data", hostPath: volume, mode: "RO")]))
        await agent.handle(.launch(readOnly))
        #expect(await eventually { await log.terminal(readOnly.instance.id) != nil })
        #expect(await log.terminal(readOnly.instance.id)?.state == .failed)
        #expect(fileText(volume + "/file") == "persisted\n")
        #expect(fileText(sandbox(of: readOnly, in: dir) + "/stdout").contains("persisted"))
        await agent.shutdown()
    }

    @Test func newAgentReadoptsTheRunningContainer() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (first, firstLog) = await startDockerAgent(dataDir: dir.path)
        let launch = makeLaunch(makeDockerApp("long", cmd: "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done"))
        await first.handle(.launch(launch))
        #expect(await firstLog.registrations.first?.runtimes == ["process", "docker"])
        #expect(await eventually { await firstLog.states(launch.instance.id) == [.running] })
        let record = try #require(readRecord(dataDir: dir.path, instanceId: launch.instance.id))
        let containerId = try #require(record.handle.containerId)
        #expect(record.handle.runtime == "docker")
        await first.shutdown()
        #expect(agentContainers(dataDir: dir.path) == [containerId])

        let (second, secondLog) = await startDockerAgent(dataDir: dir.path)
        #expect(await eventually { await secondLog.fullStates().count == 1 })
        let full = try #require(await secondLog.fullStates().first)
        #expect(full.map(\.instanceId) == [launch.instance.id])
        #expect(full.first?.state == .running)
        #expect(full.first?.message == "re-adopted after agent restart (container \(containerId.prefix(12)))")
        // The same container, no second one.
        #expect(agentContainers(dataDir: dir.path) == [containerId])
        // Output keeps being appended after the restart.
        let stdout = sandbox(of: launch, in: dir) + "/stdout"
        let before = fileText(stdout).count
        #expect(await eventually { fileText(stdout).count > before })

        await second.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 1, reason: "done")))
        #expect(await eventually { await secondLog.terminal(launch.instance.id) != nil })
        #expect(await secondLog.states(launch.instance.id) == [.killing, .killed])
        #expect(await eventually { agentContainers(dataDir: dir.path).isEmpty })
        #expect(await eventually { readRecord(dataDir: dir.path, instanceId: launch.instance.id) == nil })
        await second.shutdown()
    }

    @Test func containerThatEndedWhileTheAgentWasDownIsReportedAndRemoved() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (first, firstLog) = await startDockerAgent(dataDir: dir.path)
        let launch = makeLaunch(makeDockerApp("short", cmd: "sleep 1000"))
        await first.handle(.launch(launch))
        #expect(await eventually { await firstLog.states(launch.instance.id) == [.running] })
        let containerId = try #require(readRecord(dataDir: dir.path, instanceId: launch.instance.id)?.handle.containerId)
        await first.shutdown()
        #expect(dockerCLI(["kill", containerId]).status == 0)

        let (second, secondLog) = await startDockerAgent(dataDir: dir.path)
        #expect(await eventually { await secondLog.fullStates().count == 1 })
        let ended = try #require(await secondLog.terminal(launch.instance.id))
        #expect(ended.state == .gone)
        #expect(ended.message == "process exited while the agent was down (its exit status is unknown)")
        #expect(agentContainers(dataDir: dir.path).isEmpty)
        await second.shutdown()
    }

    @Test func startUpSweepRemovesOnlyThisAgentsUnknownContainers() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let owner = "wharf-test.owner=\(dir.path)"
        func create(_ labels: [String]) -> String {
            dockerCLI(["create"] + (labels + [owner]).flatMap { ["--label", $0] } + [DockerAvailability.testImage, "sleep", "1000"]).output
        }
        let mine = create(["io.wharf.managed=true", "io.wharf.agent=\(dir.path)"])
        let otherAgent = create(["io.wharf.managed=true", "io.wharf.agent=\(dir.path)-other"])
        let unmanaged = create([])
        #expect(!mine.isEmpty && !otherAgent.isEmpty && !unmanaged.isEmpty)

        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        #expect(await eventually { await log.fullStates().count == 1 })
        #expect(dockerCLI(["inspect", mine]).status != 0)
        #expect(dockerCLI(["inspect", otherAgent]).status == 0)
        #expect(dockerCLI(["inspect", unmanaged]).status == 0)
        await agent.shutdown()
    }

    @Test func commandHealthCheckRunsInsideTheContainer() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        var app = makeDockerApp("checked", cmd: "sleep 1000")
        // /www/index.html exists in the image, not on the host; the marker only in the container's env.
        app.env = ["MARKER": .value("inside")]
        app.healthChecks = [testCheck(.command, command: "test -f /www/index.html && test \"$MARKER\" = inside")]
        let launch = makeLaunch(app)
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.latestHealth(launch.instance.id)?.healthy == true })
        await stopTask(launch, agent: agent, log: log)
        await agent.shutdown()
    }

    @Test func unsupportedParameterFailsTheTask() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        // A definition stored before the model checked parameters.
        let launch = makeLaunch(makeDockerApp("odd", cmd: "true", parameters: [.init(key: "lxc-conf", value: "x")]))
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let ended = try #require(await log.terminal(launch.instance.id))
        #expect(ended.state == .failed)
        #expect(ended.message?.contains("docker parameter (0)/key: 'lxc-conf' is refused: it no longer exists in the Docker Engine") == true,
                "\(ended.message ?? "")")
        #expect(agentContainers(dataDir: dir.path).isEmpty)
        await agent.shutdown()
    }
}

@Suite("Docker container configuration", .timeLimit(.minutes(5)))
struct DockerContainerConfigTests {
    @Test func imageReferencesAreSplitIntoNameAndTag() {
        #expect(DockerEngine.splitReference("redis") == ("redis", "latest"))
        #expect(DockerEngine.splitReference("host:5000/app:1.2") == ("host:5000/app", "1.2"))
        #expect(DockerEngine.splitReference("host:5000/app") == ("host:5000/app", "latest"))
        #expect(DockerEngine.splitReference("app@sha256:abc") == ("app@sha256:abc", nil))
    }

    @Test func appMapsToTheEngineConfiguration() throws {
        var app = makeDockerApp(
            "web", cmd: "run it", mem: 128, bridgePorts: [80],
            parameters: [.init(key: "label", value: "team=a"), .init(key: "env", value: "EXTRA=1"),
                         .init(key: "ulimit", value: "nofile=1024:2048"), .init(key: "cap-add", value: "NET_ADMIN"),
                         .init(key: "memory-swap", value: "1g"), .init(key: "read-only", value: "true")],
            volumes: [Volume(containerPath: "/data", hostPath: "/srv/data", mode: "RO")])
        app.container?.portMappings?[0].protocol = "tcp,udp"
        app.cpus = 0.001
        let spec = TaskSpec(
            taskId: "t.1", instanceId: "i", incarnation: 1, appId: app.id, command: .shell("run it"),
            environment: ["A": "b"], sandbox: "/sb", resources: app.resources, image: DockerAvailability.testImage,
            container: app.container, networks: app.networks, ports: [31000], labels: ["l": "v"])
        let config = try DockerContainerConfig.make(spec, image: DockerAvailability.testImage, agentDataDir: "/d", hardCpuLimit: true).create
        #expect(config.Entrypoint == ["/bin/sh"])
        #expect(config.Cmd == ["-c", "run it"])
        #expect(config.HostConfig.NetworkMode == "bridge")
        #expect(config.HostConfig.PortBindings?["80/tcp"]?.first?.HostPort == "31000")
        #expect(config.HostConfig.PortBindings?["80/udp"]?.first?.HostPort == "31000")
        #expect(config.HostConfig.Binds == ["/sb:/mnt/mesos/sandbox:rw", "/srv/data:/data:ro"])
        #expect(config.HostConfig.CpuShares == 2)
        #expect(config.HostConfig.NanoCpus == 1_000_000)
        #expect(config.HostConfig.Memory == 128 * 1_048_576)
        #expect(config.HostConfig.MemorySwap == 1 << 30)
        #expect(config.HostConfig.Ulimits == [DockerAPI.Ulimit(Name: "nofile", Soft: 1024, Hard: 2048)])
        #expect(config.HostConfig.CapAdd == ["NET_ADMIN"])
        #expect(config.HostConfig.ReadonlyRootfs == true)
        #expect(config.Env.contains("EXTRA=1"))
        #expect(config.Env.contains("MESOS_SANDBOX=/mnt/mesos/sandbox"))
        #expect(config.Labels["team"] == "a")
        #expect(config.Labels["l"] == "v")
        #expect(config.Labels["io.wharf.managed"] == "true")
        #expect(config.Labels["io.wharf.agent"] == "/d")
        #expect(config.Labels["io.wharf.task-id"] == "t.1")
        #expect(DockerContainerConfig.containerName(taskId: "a/b c.1") == "wharf-a_b_c.1")
    }

    @Test func framesAreDemultiplexedAcrossChunks() {
        var demultiplexer = DockerStreamDemultiplexer(raw: false)
        var whole = ByteBuffer(bytes: [1, 0, 0, 0, 0, 0, 0, 3] + Array("out".utf8) + [2, 0, 0, 0, 0, 0, 0, 3] + Array("err".utf8))
        let first = whole.readSlice(length: 10)!
        let frames = demultiplexer.feed(first) + demultiplexer.feed(whole)
        #expect(frames.map { $0.0 } == [.stdout, .stderr])
        #expect(frames.map { String(buffer: $0.1) } == ["out", "err"])
    }
}

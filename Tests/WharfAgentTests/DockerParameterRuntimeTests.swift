import Foundation
import Testing
@testable import WharfAgent
import WharfModel

/// `docker.parameters` against a real engine: what a container sees of them from inside.
@Suite("Docker parameters on a real engine", .serialized, .timeLimit(.minutes(5)),
       .enabled(if: DockerAvailability.isAvailable, "no Docker engine at /var/run/docker.sock"))
struct DockerParameterRuntimeTests {
    init() throws {
        try ensureTestImage()
    }

    @Test func parametersTakeEffectInsideTheContainer() async throws {
        let dir = TemporaryDirectory()
        let front = "wharf-test-front-\(UUID().uuidString.prefix(8).lowercased())"
        let back = "wharf-test-back-\(UUID().uuidString.prefix(8).lowercased())"
        #expect(dockerCLI(["network", "create", front]).status == 0)
        #expect(dockerCLI(["network", "create", back]).status == 0)
        defer {
            removeTestContainers(dataDir: dir.path)
            dockerCLI(["network", "rm", front, back])
            dir.cleanUp()
        }
        let envFile = dir.path + "/app.env"
        try "# from a file\nFROM_FILE=yes\nFROM_PARAM=overridden\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        let script = """
            {
            echo "env=$FROM_PARAM/$FROM_FILE"; echo "pwd=$(pwd)"; echo "hostname=$(hostname)"
            echo "somaxconn=$(cat /proc/sys/net/core/somaxconn)"; echo "nofile=$(ulimit -n)"
            echo "pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max)"
            grep -q ' /scratch tmpfs ' /proc/mounts && echo tmpfs=yes
            grep -q '^10.1.2.3[[:space:]]*db' /etc/hosts && echo add-host=yes
            nslookup web-alias >/dev/null 2>&1 && echo alias=yes
            nslookup my-service >/dev/null 2>&1 && echo name=yes
            grep -q eth1 /proc/net/dev && echo second-network=yes
            echo written > /data/file
            echo done
            } > $MESOS_SANDBOX/out.txt 2>&1; sleep 1000
            """
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        let launch = makeLaunch(makeDockerApp("params", cmd: script, parameters: [
            .init(key: "env", value: "FROM_PARAM=yes"), .init(key: "env-file", value: envFile), .init(key: "label", value: "team=web"),
            .init(key: "tmpfs", value: "/scratch"), .init(key: "sysctl", value: "net.core.somaxconn=1024"),
            .init(key: "pids-limit", value: "77"), .init(key: "workdir", value: "/tmp"), .init(key: "hostname", value: "inner-host"),
            .init(key: "net", value: front), .init(key: "net-alias", value: "web-alias"), .init(key: "name", value: "my-service"),
            .init(key: "network", value: back), .init(key: "add-host", value: "db:10.1.2.3"), .init(key: "ulimit", value: "nofile=1024:2048"),
            .init(key: "--volume", value: "./data:/data"), .init(key: "cidfile", value: "container.id"),
        ]))
        await agent.handle(.launch(launch))
        let sandbox = sandbox(of: launch, in: dir)
        let wrote = await eventually(timeout: .seconds(60)) { fileText(sandbox + "/out.txt").contains("done") }
        let ended = await log.terminal(launch.instance.id)?.message
        #expect(wrote, "\(ended ?? fileText(sandbox + "/stderr"))")
        let out = fileText(sandbox + "/out.txt")
        for line in ["env=yes/yes", "pwd=/tmp", "hostname=inner-host", "somaxconn=1024", "nofile=1024", "pids=77", "tmpfs=yes",
                     "add-host=yes", "alias=yes", "name=yes", "second-network=yes"] {
            #expect(out.contains(line + "\n"), "\(line) missing in:\n\(out)")
        }
        #expect(fileText(sandbox + "/data/file") == "written\n", "a ./path volume is inside the sandbox")

        let containerId = try #require(agentContainers(dataDir: dir.path).first)
        #expect(fileText(sandbox + "/container.id") == containerId)
        let inspected = dockerCLI(["inspect", "--format", "{{index .Config.Labels \"team\"}} {{.Name}}", containerId]).output
        #expect(inspected == "web /" + DockerContainerConfig.containerName(taskId: launch.instance.taskId),
                "the label is set and the container keeps Wharf's name")
        await stopTask(launch, agent: agent, log: log)
        await agent.shutdown()
    }

    @Test func theStopSignalParameterIsWhatWharfsKillSends() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        // Ignores SIGTERM; ends on SIGUSR1.
        let launch = makeLaunch(makeDockerApp(
            "usr1", cmd: "trap '' TERM; trap 'echo got-usr1; exit 0' USR1; while true; do sleep 0.2; done",
            parameters: [.init(key: "stop-signal", value: "SIGUSR1")]))
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.states(launch.instance.id) == [.running] })
        await agent.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 60, reason: "scaled down")))
        #expect(await eventually(timeout: .seconds(30)) { await log.terminal(launch.instance.id) != nil })
        let ended = try #require(await log.terminal(launch.instance.id))
        #expect(ended.message == "scaled down (exited with code 0)", "ended on SIGUSR1, not SIGKILL after 60 s")
        #expect(fileText(sandbox(of: launch, in: dir) + "/stdout").contains("got-usr1"))
        await agent.shutdown()
    }

    @Test func pullNeverFailsWhenTheImageIsMissing() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (agent, log) = await startDockerAgent(dataDir: dir.path)
        var app = makeDockerApp("nopull", cmd: "true", parameters: [.init(key: "pull", value: "never")])
        app.container?.docker?.image = "wharf-test/absent:1"
        let launch = makeLaunch(app)
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let ended = try #require(await log.terminal(launch.instance.id))
        #expect(ended.state == .failed)
        #expect(ended.message == "image wharf-test/absent:1 is not present and docker.parameters say pull=never")
        #expect(agentContainers(dataDir: dir.path).isEmpty)
        await agent.shutdown()
    }
}

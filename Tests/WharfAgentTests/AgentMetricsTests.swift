import Foundation
import Testing
@testable import WharfAgent
import WharfMetrics
import WharfModel

/// The agent's series: what cgroup files and Docker's stats say, per task while it runs, and the
/// agent-wide counts of ended tasks.
@Suite("Agent metrics", .timeLimit(.minutes(3)))
struct AgentMetricsTests {
    static func samples(_ registry: MetricsRegistry) async -> [ExpositionSample] {
        ExpositionSample.parse(String(decoding: await registry.exposition(), as: UTF8.self)) ?? []
    }

    @Test("cgroup v2 files: CPU and throttling in microseconds, memory.max, memory.events' oom_kill")
    func readsV2() {
        let files = [
            "cpu.stat": "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_throttled 3\nthrottled_usec 250000\n",
            "memory.current": "12345678\n",
            "memory.max": "67108864\n",
            "memory.events": "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\n",
        ]
        var usage = TaskUsage()
        usage.merge { files[$0] }
        #expect(usage == TaskUsage(cpuNanoseconds: 1_500_000_000, throttledNanoseconds: 250_000_000, memoryBytes: 12_345_678,
                                   memoryLimitBytes: 67_108_864, oomKills: 1))
        var unlimited = TaskUsage()
        unlimited.merge { $0 == "memory.max" ? "max\n" : nil }
        #expect(unlimited.memoryLimitBytes == nil)
    }

    @Test("cgroup v1 files across hierarchies: cpuacct.usage, cpu.stat's throttled_time, memory.oom_control")
    func readsV1() {
        let memory = [
            "memory.usage_in_bytes": "4096\n", "memory.limit_in_bytes": "9223372036854771712\n",
            "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
        ]
        let accounting = ["cpuacct.usage": "987654321\n"]
        let cpu = ["cpu.stat": "nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n"]
        var usage = TaskUsage()
        for files in [memory, accounting, cpu] { usage.merge { files[$0] } }
        #expect(usage == TaskUsage(cpuNanoseconds: 987_654_321, throttledNanoseconds: 5000, memoryBytes: 4096,
                                   memoryLimitBytes: nil, oomKills: 3))
        #expect(TaskUsage.read(cgroups: ["/nonexistent/wharf-test/none"]) == TaskUsage())
    }

    @Test("Docker's stats: CPU, throttling, memory; the host's memory as limit means no limit")
    func readsDockerStats() throws {
        let json = """
            {"read":"2026-12-07T10:00:00Z","cpu_stats":{"cpu_usage":{"total_usage":2500000000,"usage_in_usermode":1},
             "system_cpu_usage":100,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":42}},
             "memory_stats":{"usage":1048576,"limit":8589934592,"stats":{"inactive_file":0}}}
            """
        let stats = try JSONDecoder().decode(DockerAPI.ContainerStats.self, from: Data(json.utf8))
        #expect(stats.usage(hostMemoryBytes: 8_589_934_592) == TaskUsage(
            cpuNanoseconds: 2_500_000_000, throttledNanoseconds: 42, memoryBytes: 1_048_576, memoryLimitBytes: nil, oomKills: nil))
        #expect(stats.usage(hostMemoryBytes: 16_000_000_000).memoryLimitBytes == 8_589_934_592)
        let empty = try JSONDecoder().decode(DockerAPI.ContainerStats.self, from: Data("{}".utf8))
        #expect(empty.usage(hostMemoryBytes: 1) == TaskUsage())
    }

    @Test("a process task's series appear while it runs and leave when it ends; its exit is counted")
    func perTaskSeries() async throws {
        let registry = MetricsRegistry()
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let cgroups = CgroupProbe.available
        let (agent, log) = await startAgent(dataDir: dir.path, useCgroups: cgroups, cgroupParent: CgroupProbe.parent, metrics: registry)
        let launch = makeLaunch(makeApp("busy", cmd: "while :; do :; done"))
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.states(launch.instance.id) == [.running] })
        let labels = ["app": "/test/busy", "task": launch.instance.taskId]
        var samples = await Self.samples(registry)
        #expect(ExpositionSample.value("wharf_agent_tasks", ["runtime": "process"], in: samples) == 1)
        if cgroups {
            #expect(await eventually {
                (ExpositionSample.value("wharf_task_cpu_seconds_total", labels, in: await Self.samples(registry)) ?? 0) > 0.05
            })
            samples = await Self.samples(registry)
            #expect(ExpositionSample.value("wharf_task_memory_limit_bytes", labels, in: samples) == Double(64 * 1_048_576))
            #expect((ExpositionSample.value("wharf_task_memory_usage_bytes", labels, in: samples) ?? 0) > 0)
            #expect(ExpositionSample.value("wharf_task_oom_kills_total", labels, in: samples) == 0)
        }
        await agent.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 1, reason: "done")))
        #expect(await eventually { await log.terminal(launch.instance.id)?.state == .killed })
        samples = await Self.samples(registry)
        #expect(!samples.contains { $0.labels["task"] == launch.instance.taskId })
        #expect(ExpositionSample.value("wharf_agent_task_exits_total", ["state": "killed"], in: samples) == 1)
        #expect(ExpositionSample.value("wharf_agent_tasks", ["runtime": "process"], in: samples) == 0)
        await agent.shutdown()
    }

    @Test("with per-task series off, only the agent-wide ones are kept")
    func perTaskOff() async throws {
        let registry = MetricsRegistry()
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        var configuration = AgentConfiguration(agentId: "agent-1", dataDir: dir.path, capacity: Resources(cpus: 2, mem: 1024, disk: 1024),
                                               useCgroups: CgroupProbe.available, cgroupParent: CgroupProbe.parent, metrics: registry)
        configuration.taskMetrics = false
        let agent = Agent(configuration: configuration, logger: quietLogger)
        let log = ReportLog.following(agent.reports)
        await agent.start()
        let launch = makeLaunch(makeApp("quiet", cmd: "sleep 100"))
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.states(launch.instance.id) == [.running] })
        let samples = await Self.samples(registry)
        #expect(ExpositionSample.value("wharf_agent_tasks", ["runtime": "process"], in: samples) == 1)
        #expect(!samples.contains { $0.name.hasPrefix("wharf_task_") })
        await agent.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 1, reason: "done")))
        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        await agent.shutdown()
    }

    @Test(.enabled(if: CgroupProbe.runs, CgroupProbe.skipReason))
    func anOOMKillIsCounted() async throws {
        try #require(CgroupProbe.available, "WHARF_REQUIRE_CGROUPS=1 but \(CgroupProbe.skipReason)")
        let registry = MetricsRegistry()
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, useCgroups: true, cgroupParent: CgroupProbe.parent, metrics: registry)
        var app = makeApp("hog", cmd: "exec tail /dev/zero")
        app.mem = 16
        let launch = makeLaunch(app)
        await agent.handle(.launch(launch))
        #expect(await eventually(timeout: .seconds(30)) { await log.terminal(launch.instance.id) != nil })
        let samples = await Self.samples(registry)
        #expect(ExpositionSample.value("wharf_agent_task_oom_kills_total", in: samples) == 1)
        #expect(ExpositionSample.value("wharf_agent_task_exits_total", ["state": "failed"], in: samples) == 1)
        await agent.shutdown()
    }
}

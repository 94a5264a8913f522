import Foundation
import Glibc
import Testing
@testable import WharfAgent
import WharfModel

/// Whether this machine lets the tests create cgroups, and why not.
enum CgroupProbe {
    static let parent = "wharf-test"
    static let support = CgroupSupport.detect(parent: parent)
    static var available: Bool {
        if case .unavailable = support { return false }
        return true
    }
    static var skipReason: Comment { Comment(rawValue: "cgroups unavailable: \(support.isolation)") }
    /// CI sets `WHARF_REQUIRE_CGROUPS=1`: the cgroup tests must then run (and fail where the agent
    /// cannot create cgroups) instead of being skipped.
    static var isRequired: Bool { ProcessInfo.processInfo.environment["WHARF_REQUIRE_CGROUPS"] == "1" }
    /// Whether the tests that create cgroups run.
    static var runs: Bool { available || isRequired }
}

@Suite("Cgroups", .timeLimit(.minutes(3)))
struct CgroupTests {
    @Test func parsesMountinfo() {
        let text = """
            35 25 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory
            36 25 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
            37 25 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
            """
        let mounts = CgroupSupport.parseMounts(text)
        #expect(mounts.map(\.point) == ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/unified"])
        #expect(mounts[1].options.contains("cpu"))
        #expect(mounts[2].type == "cgroup2")
    }

    @Test func parsesProcStat() throws {
        let stat = try #require(ProcStat.parse(
            "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 0"))
        #expect(stat.state == "S")
        #expect(stat.processGroup == 4242)
        #expect(stat.startTime == 987654)
    }

    @Test func isolationReasonIsOneLine() {
        #expect(!CgroupProbe.support.isolation.contains("\n"))
        #expect(CgroupSupport.unavailable(reason: "cgroup v1 memory controller not writable").isolation
            == "none: cgroup v1 memory controller not writable")
    }

    @Test(.enabled(if: CgroupProbe.runs, CgroupProbe.skipReason))
    func limitsAreAppliedAndTheCgroupIsRemovedAfterwards() async throws {
        try #require(CgroupProbe.available, "WHARF_REQUIRE_CGROUPS=1 but \(CgroupProbe.skipReason)")
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, useCgroups: true, cgroupParent: CgroupProbe.parent)
        #expect(await agent.info.isolation.hasPrefix("cgroup-v"))
        let launch = makeLaunch(makeApp(cmd: "sleep 1000"))
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.states(launch.instance.id) == [.running] })
        let handle = try #require(readRecord(dataDir: dir.path, instanceId: launch.instance.id)?.handle)
        let pid = try #require(handle.pid)
        #expect(!handle.cgroups.isEmpty)

        let limitBytes = String(64 * 1_048_576)
        switch CgroupProbe.support {
        case .v1(_, let cpu):
            let memory = try #require(handle.cgroups.first)
            #expect(fileText(memory + "/memory.limit_in_bytes").trimmingCharacters(in: .whitespacesAndNewlines) == limitBytes)
            if cpu != nil {
                let cpuDir = try #require(handle.cgroups.last)
                #expect(fileText(cpuDir + "/cpu.shares").trimmingCharacters(in: .whitespacesAndNewlines) == "512")
                // A weight, not a hard quota (Mesos' default).
                #expect(fileText(cpuDir + "/cpu.cfs_quota_us").trimmingCharacters(in: .whitespacesAndNewlines) == "-1")
            }
        case .v2:
            let directory = try #require(handle.cgroups.first)
            #expect(fileText(directory + "/memory.max").trimmingCharacters(in: .whitespacesAndNewlines) == limitBytes)
            #expect(fileText(directory + "/cpu.max").trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("max"))
        case .unavailable:
            Issue.record("probe said cgroups are available")
        }
        // The task joined its cgroups before running its command.
        for directory in handle.cgroups {
            let members = fileText(directory + "/cgroup.procs").split(separator: "\n")
            #expect(members.contains(Substring(String(pid))))
        }

        await agent.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 5, reason: "done")))
        #expect(await eventually { await log.terminal(launch.instance.id)?.state == .killed })
        #expect(await eventually { handle.cgroups.allSatisfy { access($0, F_OK) != 0 } })
    }

    @Test(.enabled(if: CgroupProbe.runs, CgroupProbe.skipReason))
    func memoryExhaustionIsReportedAsOutOfMemory() async throws {
        try #require(CgroupProbe.available, "WHARF_REQUIRE_CGROUPS=1 but \(CgroupProbe.skipReason)")
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await startAgent(dataDir: dir.path, useCgroups: true, cgroupParent: CgroupProbe.parent)
        var app = makeApp(cmd: "exec tail /dev/zero")
        app.mem = 16
        let launch = makeLaunch(app)
        await agent.handle(.launch(launch))

        #expect(await eventually(timeout: .seconds(30)) { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(status.state == .failed)
        #expect(status.signal == SIGKILL)
        #expect(status.message?.hasPrefix("out of memory") == true)
    }
}

import Foundation
import Testing

/// `kill -9` of `wharf dev`: acknowledged writes survive, and tasks are re-adopted or replaced —
/// never two for one slot, no orphans.
@Suite("Crash recovery", .timeLimit(.minutes(15)))
struct RecoveryTests {
    @Test("kill -9 and restart: app and versions intact, exactly 3 task processes, none after DELETE")
    func killNineRecovery() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", Fixtures.httpServer("/survivor", instances: 3))
            #expect(created.status == 201, "\(created)")
            let version = try #require(created.json["version"]?.string)
            let before = taskIds(try await wharf.api.waitForRunning("/survivor", count: 3))
            try await waitUntil("3 task processes run") { wharf.liveTaskIds(app: "/survivor") == before }
            let processesBefore = wharf.taskProcesses
            let pidsBefore = Set(processesBefore.map(\.pid))

            try await wharf.kill9()
            // The tasks outlive wharf: they run in their own sessions.
            #expect(wharf.liveTaskIds(app: "/survivor") == before, "tasks died with wharf")

            try await wharf.restart()

            let app = try #require(try await wharf.api.app("/survivor"), "app lost by kill -9")
            #expect(app["instances"]?.int == 3)
            #expect(app["version"]?.string == version)
            let versions = try await wharf.api.get(MarathonClient.appPath("/survivor", "/versions"))
            #expect(versions.json["versions"]?.array?.compactMap(\.string).contains(version) == true, "\(versions)")

            // Re-adopted or replaced: in the end 3 running tasks, each with a live process, and no other
            // process of the app.
            let after = try await poll("3 running tasks matching 3 live processes after restart", timeout: .seconds(120)) { () -> Set<String>? in
                let running = taskIds(try await wharf.api.runningTasks(of: "/survivor"))
                guard running.count == 3, wharf.liveTaskIds(app: "/survivor") == running else { return nil }
                return running
            }
            // Processes of tasks that were not re-adopted have been killed, not left running beside their replacements.
            // A process that is exiting has no readable environment yet is not a zombie either, so wait
            // for it to be gone rather than sampling once.
            let adopted = after.intersection(before)
            let replacedPids = processesBefore.filter { !adopted.contains($0.taskId) }.map(\.pid)
            try await waitUntil("replaced tasks' processes \(replacedPids) have exited", timeout: .seconds(30)) {
                replacedPids.allSatisfy { !ProcessTable.isAlive($0) }
            }
            for task in try await wharf.api.runningTasks(of: "/survivor") {
                let port = try #require(task["ports"]?[0]?.int)
                try await waitUntil("recovered task answers HTTP on \(port)", timeout: .seconds(30)) {
                    try await httpStatus(port: port) == 200
                }
            }

            let deleted = try await wharf.api.delete(MarathonClient.appPath("/survivor"))
            #expect(deleted.status == 200, "\(deleted)")
            try await waitUntil("no process of /survivor is left") { wharf.liveTaskIds(app: "/survivor").isEmpty }
            try await waitUntil("every pid from before the crash has exited", timeout: .seconds(30)) {
                pidsBefore.allSatisfy { !ProcessTable.isAlive($0) }
            }
        }
    }

    @Test("an acknowledged POST survives kill -9 right after the 201")
    func acknowledgedWriteIsDurable() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/durable", instances: 2))
            #expect(created.status == 201, "\(created)")
            try await wharf.kill9()
            try await wharf.restart()

            let app = try #require(try await wharf.api.app("/durable"), "acknowledged app lost by kill -9")
            #expect(app["instances"]?.int == 2)
            #expect(app["version"]?.string == created.json["version"]?.string)
            // Its deployment is carried out after the restart, with no duplicate processes.
            try await wharf.api.waitForRunning("/durable", count: 2, timeout: .seconds(120))
            try await waitUntil("2 live processes for /durable") {
                wharf.liveTaskIds(app: "/durable") == taskIds(try await wharf.api.runningTasks(of: "/durable"))
            }
        }
    }

    @Test("kill -9 in the middle of launching: after restart no process runs that the API does not list")
    func killNineDuringLaunches() async throws {
        // The fault must land while launches are in progress: fewer task records on disk than instances
        // at the moment of the kill. Should a kill come too late (every record written), try again.
        var landed = false
        for _ in 1...3 where !landed {
            landed = try await withWharf { wharf in
                let created = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/burst", instances: 8))
                #expect(created.status == 201, "\(created)")
                // Strike while wharf is spawning: as soon as the first process exists.
                try await waitUntil("the first /burst process exists", every: .milliseconds(1)) {
                    !wharf.liveTaskIds(app: "/burst").isEmpty
                }
                try await wharf.kill9()
                guard wharf.agentTaskRecords().count < 8 else { return false }

                try await wharf.restart()
                try await wharf.api.waitForRunning("/burst", count: 8, timeout: .seconds(120))
                try await waitUntil("the live /burst processes are exactly the running tasks", timeout: .seconds(60)) {
                    wharf.liveTaskIds(app: "/burst") == taskIds(try await wharf.api.runningTasks(of: "/burst"))
                }
                #expect(try await wharf.unaccountedProcesses().isEmpty)
                return true
            }
        }
        #expect(landed, "in 3 attempts the kill never landed before all 8 task records were written")
    }

    @Test("SIGTERM: wharf exits 0, tasks keep running and the next start re-adopts them")
    func gracefulStopAndReadoption() async throws {
        try await withWharf { wharf in
            _ = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/kept", instances: 2))
            let before = taskIds(try await wharf.api.waitForRunning("/kept", count: 2))
            try await waitUntil("2 task processes run") { wharf.liveTaskIds(app: "/kept") == before }
            let pids = Set(wharf.taskProcesses.map(\.pid))

            let status = await wharf.terminate()
            #expect(status == 0, "wharf dev should exit 0 after SIGTERM, got \(String(describing: status))")
            #expect(wharf.liveTaskIds(app: "/kept") == before, "tasks should outlive a graceful stop")

            try await wharf.restart()
            let after = taskIds(try await wharf.api.waitForRunning("/kept", count: 2, timeout: .seconds(120)))
            #expect(after == before, "the same tasks should be re-adopted, not replaced")
            for pid in pids {
                #expect(ProcessTable.isAlive(pid), "process \(pid) of a re-adopted task was restarted or killed")
            }
            #expect(wharf.liveTaskIds(app: "/kept") == before, "no other task process runs")
        }
    }
}

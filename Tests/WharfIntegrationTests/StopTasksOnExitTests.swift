import Foundation
import Testing

/// What happens to tasks when `wharf dev` stops: they keep running by default (and it says so), or
/// `--stop-tasks-on-exit` stops them first.
@Suite("Tasks when wharf dev stops", .timeLimit(.minutes(15)))
struct StopTasksOnExitTests {
    @Test("by default tasks keep running after SIGTERM; wharf dev says so at start and at exit, and re-adopts them")
    func tasksKeepRunningAndTheUserIsTold() async throws {
        try await withWharf { wharf in
            #expect(try await wharf.api.post("/v2/apps", Fixtures.sleeper("/kept", instances: 2)).status == 201)
            let before = taskIds(try await wharf.api.waitForRunning("/kept", count: 2))
            #expect(wharf.logTail(lines: 100_000).contains("tasks keep running when wharf dev stops"))

            #expect(await wharf.terminate() == 0)
            #expect(wharf.liveTaskIds(app: "/kept") == before, "the tasks were stopped")
            let log = wharf.logTail(lines: 100_000)
            #expect(log.contains("2 tasks keep running (/kept)") && log.contains("--stop-tasks-on-exit"), "\(wharf.logTail(lines: 5))")

            try await wharf.restart()
            #expect(taskIds(try await wharf.api.waitForRunning("/kept", count: 2)) == before, "the tasks were not re-adopted")
        }
    }

    @Test("--stop-tasks-on-exit stops every task at SIGTERM; the apps stay and start again at the next start")
    func stopTasksOnExit() async throws {
        try await withWharf(["--stop-tasks-on-exit"]) { wharf in
            #expect(try await wharf.api.post("/v2/apps", Fixtures.sleeper("/stopped", instances: 2)).status == 201)
            let before = taskIds(try await wharf.api.waitForRunning("/stopped", count: 2))
            #expect(wharf.logTail(lines: 100_000).contains("--stop-tasks-on-exit: every task is stopped when wharf dev stops"))

            #expect(await wharf.terminate() == 0)
            #expect(wharf.taskProcesses.isEmpty, "task processes outlived wharf dev: \(wharf.taskProcesses.map(\.taskId))")
            let log = wharf.logTail(lines: 100_000)
            #expect(log.contains("stopping 2 tasks before exit (--stop-tasks-on-exit)"), "\(wharf.logTail(lines: 5))")
            #expect(log.contains("every task stopped; the apps stay defined"))
            #expect(log.contains("wharf dev stopped; no task is running"))

            try await wharf.restart()
            let again = taskIds(try await wharf.api.waitForRunning("/stopped", count: 2))
            #expect(again.isDisjoint(with: before), "the apps were launched again with new tasks")
        }
    }
}

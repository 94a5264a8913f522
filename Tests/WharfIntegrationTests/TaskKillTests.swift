import Foundation
import Testing

/// Killing single tasks: with `scale=true` (fewer instances) and without (replaced).
@Suite("Task kills", .timeLimit(.minutes(15)))
struct TaskKillTests {
    @Test("DELETE /v2/apps/{id}/tasks/{taskId}?scale=true kills it and lowers instances")
    func killAndScale() async throws {
        try await withWharf { wharf in
            _ = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/trim", instances: 3))
            let tasks = try await wharf.api.waitForRunning("/trim", count: 3)
            let victim = try #require(tasks.first?["id"]?.string)

            let killed = try await wharf.api.delete(MarathonClient.appPath("/trim", "/tasks/\(victim)") + "?scale=true")
            #expect(killed.status == 200, "\(killed)")
            let deploymentId = try #require(MarathonClient.deploymentId(killed), "scale=true answers with a deployment: \(killed)")
            try await wharf.api.waitForDeployment(deploymentId)

            let remaining = taskIds(try await wharf.api.waitForRunning("/trim", count: 2))
            #expect(!remaining.contains(victim))
            #expect(remaining.isSubset(of: taskIds(tasks)), "no replacement is launched with scale=true")
            #expect(try await wharf.api.app("/trim")?["instances"]?.int == 2)
            try await waitUntil("the killed task's process is gone") { !wharf.liveTaskIds(app: "/trim").contains(victim) }

            let unknown = try await wharf.api.delete(MarathonClient.appPath("/trim", "/tasks/trim.instance-nope._app.1"))
            #expect(unknown.status == 404, "\(unknown)")
        }
    }

    @Test("POST /v2/tasks/delete kills the listed tasks and they are replaced")
    func killAndReplace() async throws {
        try await withWharf { wharf in
            _ = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/phoenix", instances: 2))
            let tasks = try await wharf.api.waitForRunning("/phoenix", count: 2)
            let victim = try #require(tasks.first?["id"]?.string)

            let killed = try await wharf.api.post("/v2/tasks/delete", ["ids": [.string(victim)]])
            #expect(killed.status == 200, "\(killed)")
            #expect(killed.json["tasks"]?.array?.contains { $0["id"]?.string == victim } == true, "\(killed)")

            try await waitUntil("a replacement runs and the killed task is gone") {
                let running = taskIds(try await wharf.api.runningTasks(of: "/phoenix"))
                return running.count == 2 && !running.contains(victim)
            }
            #expect(try await wharf.api.app("/phoenix")?["instances"]?.int == 2)
            try await waitUntil("the killed task's process is gone") { !wharf.liveTaskIds(app: "/phoenix").contains(victim) }

            let all = try await wharf.api.get("/v2/tasks")
            #expect(all.status == 200)
            #expect((all.json["tasks"]?.array ?? []).filter { $0["appId"]?.string == "/phoenix" }.count >= 2)

            let malformed = try await wharf.api.post("/v2/tasks/delete", ["ids": ["not-a-task-id"]])
            #expect(malformed.status == 400, "\(malformed)")
        }
    }
}

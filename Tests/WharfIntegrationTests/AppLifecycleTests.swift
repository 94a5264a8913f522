import Foundation
import Testing

/// Create, run, scale, restart and destroy an app, checking the real processes at each step.
@Suite("App lifecycle", .timeLimit(.minutes(15)))
struct AppLifecycleTests {
    @Test("POST /v2/apps answers 201 with Location, Marathon-Deployment-Id and the deployment in the body")
    func createAnswersLikeMarathon() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", Fixtures.httpServer("/hello", instances: 2))
            #expect(created.status == 201, "\(created)")
            let location = try #require(created.header("Location"), "no Location header")
            #expect(location.hasSuffix("/hello"), "Location: \(location)")
            let headerId = try #require(created.header("Marathon-Deployment-Id"), "no Marathon-Deployment-Id header")
            let body = created.json
            #expect(body["id"]?.string == "/hello")
            #expect(body["instances"]?.int == 2)
            #expect(body["cmd"]?.string == "python3 -m http.server $PORT0")
            #expect(body["deployments"]?.array?.compactMap { $0["id"]?.string } == [headerId], "\(created)")
            // Marathon's defaults are filled in.
            #expect(body["backoffFactor"]?.double == 1.15)
            #expect(body["killSelection"]?.string == "YOUNGEST_FIRST")
            #expect(body["version"]?.string != nil)

            // The deployment is stored before the 201: listed right away, unless it already finished,
            // which it may only once the instances run.
            let listed = try await wharf.api.deploymentIds()
            if !listed.contains(headerId) {
                #expect(try await wharf.api.runningTasks(of: "/hello").count == 2,
                        "deployment \(headerId) neither listed nor finished")
            }
            try await wharf.api.waitForDeployment(headerId)
            #expect(try await wharf.api.runningTasks(of: "/hello").count == 2)

            let duplicate = try await wharf.api.post("/v2/apps", Fixtures.httpServer("/hello"))
            #expect(duplicate.status == 409, "\(duplicate)")
            #expect(duplicate.json["message"]?.string == "An app with id [/hello] already exists.")
        }
    }

    @Test("tasks reach TASK_RUNNING with Marathon's fields and each answers HTTP on its port")
    func tasksServeHTTP() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", Fixtures.httpServer("/web", instances: 2))
            #expect(created.status == 201, "\(created)")
            let tasks = try await wharf.api.waitForRunning("/web", count: 2)

            var ports: Set<Int> = []
            for task in tasks {
                let id = try #require(task["id"]?.string)
                #expect(id.hasPrefix("web."), "task id \(id) should start with the app's safe name")
                #expect(task["appId"]?.string == "/web")
                #expect(task["host"]?.string == "127.0.0.1")
                #expect(task["startedAt"]?.string != nil)
                #expect(task["stagedAt"]?.string != nil)
                #expect(task["version"]?.string == created.json["version"]?.string)
                let port = try #require(task["ports"]?[0]?.int, "task without a port: \(task)")
                #expect(wharf.taskPorts.contains(port), "port \(port) outside --task-ports \(wharf.taskPorts)")
                ports.insert(port)

                // The process runs with Marathon's environment.
                let process = try #require(wharf.taskProcesses.first { $0.taskId == id }, "no process for task \(id)")
                let environment = ProcessTable.environment(of: process.pid)
                #expect(environment["PORT0"] == String(port))
                #expect(environment["PORT"] == String(port))
                #expect(environment["PORTS"] == String(port))
                #expect(environment["HOST"] == "127.0.0.1")
                #expect(environment["MARATHON_APP_ID"] == "/web")
                #expect(environment["MARATHON_APP_VERSION"] == created.json["version"]?.string)

                try await waitUntil("task \(id) answers HTTP on port \(port)", timeout: .seconds(30)) {
                    try await httpStatus(port: port) == 200
                }
            }
            #expect(ports.count == 2, "two instances on one port: \(ports)")
        }
    }

    @Test("scale 2 → 4 → 1: launches, then kills the youngest, and the processes really go")
    func scaleUpAndDown() async throws {
        try await withWharf { wharf in
            _ = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/scaled", instances: 2))
            let first = taskIds(try await wharf.api.waitForRunning("/scaled", count: 2))

            let up = try await wharf.api.put(MarathonClient.appPath("/scaled"), ["instances": 4])
            #expect(up.status == 200, "\(up)")
            #expect(MarathonClient.deploymentId(up) != nil)
            let four = taskIds(try await wharf.api.waitForRunning("/scaled", count: 4))
            #expect(first.isSubset(of: four), "scaling up must keep the running tasks")
            try await waitUntil("4 task processes run") { wharf.liveTaskIds(app: "/scaled") == four }

            let down = try await wharf.api.put(MarathonClient.appPath("/scaled"), ["instances": 1])
            #expect(down.status == 200, "\(down)")
            let one = taskIds(try await wharf.api.waitForRunning("/scaled", count: 1))
            #expect(one.isSubset(of: first), "YOUNGEST_FIRST keeps one of the oldest tasks, kept \(one)")
            try await waitUntil("only the remaining task's process runs") { wharf.liveTaskIds(app: "/scaled") == one }
            #expect(try await wharf.api.app("/scaled")?["instances"]?.int == 1)
        }
    }

    @Test("POST /v2/apps/{id}/restart replaces every task and stops the old processes")
    func restartReplacesTasks() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/restarted", instances: 2))
            let old = taskIds(try await wharf.api.waitForRunning("/restarted", count: 2))

            let restart = try await wharf.api.post(MarathonClient.appPath("/restarted", "/restart"))
            #expect(restart.status == 200, "\(restart)")
            let deploymentId = try #require(restart.json["deploymentId"]?.string, "\(restart)")
            #expect(restart.header("Marathon-Deployment-Id") == deploymentId)
            #expect(restart.json["version"]?.string != created.json["version"]?.string)

            try await wharf.api.waitForDeployment(deploymentId)
            let new = taskIds(try await wharf.api.waitForRunning("/restarted", count: 2))
            #expect(new.isDisjoint(with: old), "restart kept old tasks: \(new.intersection(old))")
            try await waitUntil("only the new tasks' processes run") { wharf.liveTaskIds(app: "/restarted") == new }
        }
    }

    @Test("DELETE /v2/apps/{id} stops every process and the app is gone (404)")
    func destroyRemovesEverything() async throws {
        try await withWharf { wharf in
            _ = try await wharf.api.post("/v2/apps", Fixtures.httpServer("/doomed", instances: 2))
            try await wharf.api.waitForRunning("/doomed", count: 2)
            #expect(wharf.liveTaskIds(app: "/doomed").count == 2)

            let deleted = try await wharf.api.delete(MarathonClient.appPath("/doomed"))
            #expect(deleted.status == 200, "\(deleted)")
            let deploymentId = try #require(MarathonClient.deploymentId(deleted), "\(deleted)")
            try await wharf.api.waitForDeployment(deploymentId)

            try await waitUntil("no process of /doomed is left") { wharf.liveTaskIds(app: "/doomed").isEmpty }
            let gone = try await wharf.api.get(MarathonClient.appPath("/doomed"))
            #expect(gone.status == 404)
            #expect(gone.json["message"]?.string == "App '/doomed' does not exist")
            #expect(try await wharf.api.get("/v2/apps").json["apps"]?.array?.isEmpty == true)
        }
    }
}

import Foundation
import Testing

/// Host ports that something else holds: never handed to a task, and a task that loses its port to
/// another process is placed again on another port without counting as the app's failure.
@Suite("Task ports taken by other processes", .timeLimit(.minutes(15)))
struct TaskPortTests {
    @Test("a bound port inside --task-ports is skipped: the task gets the free one at once and runs")
    func boundPortIsSkipped() async throws {
        let block = PortAllocator.shared.block(of: 3)
        let held = [try await PortHolder.start(block.lowerBound), try await PortHolder.start(block.lowerBound + 1)]
        defer { held.forEach { $0.stop() } }
        try await withWharf(["--task-ports", "\(block.lowerBound)-\(block.upperBound)"]) { wharf in
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "status_update_event"])
            defer { events.close() }
            try await events.waitUntilAttached()
            #expect(try await wharf.api.post("/v2/apps", Fixtures.httpServer("/skips")).status == 201)
            let tasks = try await wharf.api.waitForRunning("/skips", count: 1)
            #expect(tasks.first?["ports"]?.array?.compactMap(\.int) == [block.upperBound])
            try await waitUntil("the task serves on port \(block.upperBound)", timeout: .seconds(30)) {
                try await httpStatus(port: block.upperBound) == 200
            }
            let states = events.events(ofType: "status_update_event").compactMap { $0.payload["taskStatus"]?.string }
            #expect(!states.contains("TASK_DROPPED") && !states.contains("TASK_FAILED"), "\(states)")
        }
    }

    @Test("a task whose port another process took before it could bind is placed again on another port, without backoff")
    func addressInUseAtStartIsRetriedOnAnotherPort() async throws {
        let block = PortAllocator.shared.block(of: 3)
        try await withWharf(["--task-ports", "\(block.lowerBound)-\(block.upperBound)"]) { wharf in
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "status_update_event"])
            defer { events.close() }
            try await events.waitUntilAttached()
            var app = Fixtures.httpServer("/late-bind")
            // Binds only after a while, so that the test can take the port first; a failure would
            // otherwise delay the next launch by ten minutes.
            app["cmd"] = "sleep 4; exec python3 -m http.server $PORT0"
            app["backoffSeconds"] = 600
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let first = try await poll("the first task has a port", timeout: .seconds(30)) {
                try await wharf.api.tasks(of: "/late-bind").first?["ports"]?[0]?.int
            }
            let holder = try await PortHolder.start(first)
            defer { holder.stop() }

            let replacement = try await poll("a task serves on a port other than \(first)", timeout: .seconds(60)) { () -> Int? in
                for task in try await wharf.api.runningTasks(of: "/late-bind") {
                    guard let port = task["ports"]?[0]?.int, port != first else { continue }
                    if try await httpStatus(port: port) == 200 { return port }
                }
                return nil
            }
            #expect(replacement != first)
            let failed = try await events.waitFor("the first task's port conflict") {
                $0.payload["taskStatus"]?.string == "TASK_FAILED"
            }
            #expect(failed.payload["message"]?.string?.contains("host port \(first) is already in use by another process") == true,
                    "\(failed.payload)")
            #expect(failed.payload["message"]?.string?.contains("port conflict") == true)
            let app2 = try await wharf.api.get("/v2/apps/late-bind?embed=app.lastTaskFailure").json["app"]
            #expect(app2?["lastTaskFailure"] == nil, "a port conflict is not the app's failure: \(app2?["lastTaskFailure"] ?? .null)")
            let queue = try await wharf.api.get("/v2/queue").json["queue"]?.array ?? []
            #expect(queue.isEmpty, "no launch delay: \(queue)")
        }
    }

    @Test("a second wharf dev: a shared data dir or listener port stops it naming the flag; with its own, both run without sharing a task port")
    func secondWharfDevOnTheSameMachine() async throws {
        try await withWharf { first in
            #expect(try await first.api.post("/v2/apps", Fixtures.httpServer("/one")).status == 201)
            let taken = try #require(try await first.api.waitForRunning("/one", count: 1).first?["ports"]?[0]?.int)
            try await waitUntil("the first wharf's task serves on \(taken)", timeout: .seconds(30)) {
                try await httpStatus(port: taken) == 200
            }
            let own = PortAllocator.shared.block(of: 3)
            let ownDir = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-it-second-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: ownDir) }

            let sameDir = try await runWharfCLI([
                "dev", "--data-dir", first.dataDir, "--api-port", "\(own.lowerBound)", "--router-port", "\(own.lowerBound + 1)",
                "--dns-port", "\(own.lowerBound + 2)", "--task-ports", "\(first.taskPorts.lowerBound)-\(first.taskPorts.upperBound)",
            ], timeout: .seconds(60))
            #expect(sameDir.exitCode != 0)
            #expect(sameDir.stderr.contains("in use by another wharf dev") && sameDir.stderr.contains("--data-dir"), "\(sameDir)")

            let samePorts = try await runWharfCLI([
                "dev", "--data-dir", ownDir, "--api-port", "\(own.lowerBound)", "--router-port", "\(first.routerPort)",
                "--dns-port", "\(first.dnsPort)", "--task-ports", "\(first.taskPorts.lowerBound)-\(first.taskPorts.upperBound)",
            ], timeout: .seconds(60))
            #expect(samePorts.exitCode != 0)
            #expect(samePorts.stderr.contains("--router-port \(first.routerPort)") && samePorts.stderr.contains("--dns-port \(first.dnsPort)"),
                    "\(samePorts)")
            #expect(!samePorts.stderr.contains("--api-port \(own.lowerBound)"), "the free API port is not blamed: \(samePorts)")
            #expect(first.isRunning)

            // Side by side, and the second's task ports include the port the first one's task holds.
            let range = taken < first.taskPorts.upperBound ? taken...(taken + 1) : (taken - 1)...taken
            try await withWharf(["--task-ports", "\(range.lowerBound)-\(range.upperBound)"]) { second in
                #expect(try await second.api.post("/v2/apps", Fixtures.httpServer("/two")).status == 201)
                let port = try #require(try await second.api.waitForRunning("/two", count: 1).first?["ports"]?[0]?.int)
                #expect(port != taken && range.contains(port))
                try await waitUntil("both tasks serve", timeout: .seconds(30)) {
                    let second = try await httpStatus(port: port)
                    let first = try await httpStatus(port: taken)
                    return second == 200 && first == 200
                }
                let failure = try await second.api.get("/v2/apps/two?embed=app.lastTaskFailure").json["app"]?["lastTaskFailure"]
                #expect(failure == nil, "\(failure ?? .null)")
            }
        }
    }
}

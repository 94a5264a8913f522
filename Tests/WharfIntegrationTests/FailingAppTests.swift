import Foundation
import Testing

/// A command that exits at once: FAILED with the reason, relaunched with backoff, visible in the queue.
@Suite("Failing apps", .timeLimit(.minutes(15)))
struct FailingAppTests {
    @Test("exit 1 → TASK_FAILED, lastTaskFailure, /v2/queue delay, and relaunches spaced by the backoff")
    func crashLoopBacksOff() async throws {
        try await withWharf { wharf in
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "status_update_event"])
            defer { events.close() }
            try await events.waitUntilAttached()

            let created = try await wharf.api.post("/v2/apps", Fixtures.crashing("/crashy", backoffSeconds: 5))
            #expect(created.status == 201, "\(created)")

            let failure = try await poll("lastTaskFailure of /crashy") {
                try await wharf.api.app("/crashy")?["lastTaskFailure"]
            }
            #expect(failure["state"]?.string == "TASK_FAILED", "\(failure)")
            #expect(failure["appId"]?.string == "/crashy")
            #expect(failure["message"]?.string?.isEmpty == false, "the failure should say why: \(failure)")
            #expect(failure["taskId"]?.string != nil)

            // Waiting to be relaunched, with the delay shown.
            let entry = try await poll("/crashy in /v2/queue with a backoff delay") { () -> JSON? in
                let queue = try await wharf.api.get("/v2/queue").json["queue"]?.array ?? []
                return queue.first {
                    $0["app"]?["id"]?.string == "/crashy" && ($0["delay"]?["timeLeftSeconds"]?.double ?? 0) > 0
                }
            }
            #expect(entry["count"]?.int == 1, "\(entry)")
            #expect(entry["delay"]?["overdue"]?.bool == false, "\(entry)")

            // The second launch comes after the backoff, not in a busy loop.
            let failedUpdates = try await poll("two TASK_FAILED updates of /crashy", timeout: .seconds(90)) { () -> [ReceivedEvent]? in
                let failed = events.events(ofType: "status_update_event").filter {
                    $0.payload["appId"]?.string == "/crashy" && $0.payload["taskStatus"]?.string == "TASK_FAILED"
                }
                return failed.count >= 2 ? failed : nil
            }
            let first = try #require(parseTimestamp(failedUpdates[0].payload["timestamp"]?.string))
            let second = try #require(parseTimestamp(failedUpdates[1].payload["timestamp"]?.string))
            #expect(second.timeIntervalSince(first) >= 2.5, "relaunched \(second.timeIntervalSince(first)) s after failing with backoffSeconds 5")
            let allFailed = events.events(ofType: "status_update_event").filter {
                $0.payload["appId"]?.string == "/crashy" && $0.payload["taskStatus"]?.string == "TASK_FAILED"
            }
            #expect(allFailed.count <= 3, "\(allFailed.count) failures: launches are not held back")

            // Resetting the delay is possible and the app can be destroyed while crash-looping.
            let reset = try await wharf.api.delete("/v2/queue/crashy/delay")
            #expect(reset.status == 204, "\(reset)")
            let deleted = try await wharf.api.delete(MarathonClient.appPath("/crashy"))
            #expect(deleted.status == 200, "\(deleted)")
            try await waitUntil("/crashy leaves the queue") {
                let queue = try await wharf.api.get("/v2/queue").json["queue"]?.array ?? []
                return !queue.contains { $0["app"]?["id"]?.string == "/crashy" }
            }
        }
    }

    @Test("a command that does not exist fails with the reason and is relaunched with backoff")
    func missingCommand() async throws {
        try await withWharf { wharf in
            var app = Fixtures.crashing("/missing")
            app["cmd"] = nil
            app["args"] = ["/nonexistent/wharf-test-binary"]
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            let failure = try await poll("lastTaskFailure of /missing") {
                try await wharf.api.app("/missing")?["lastTaskFailure"]
            }
            #expect(["TASK_FAILED", "TASK_ERROR"].contains(failure["state"]?.string ?? ""), "\(failure)")
            #expect(failure["message"]?.string?.isEmpty == false, "\(failure)")
            #expect(try await wharf.api.get("/ping").status == 200)
        }
    }

    @Test("more cpus than the node offers → the instance waits in /v2/queue with InsufficientCpus")
    func insufficientResources() async throws {
        try await withWharf { wharf in
            var app = Fixtures.sleeper("/huge")
            app["cpus"] = 1000
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            // Until the agent has registered the entry may say that no agent is there yet; wait for
            // the scheduler to have tried the agent.
            let entry = try await poll("/huge queued with InsufficientCpus") { () -> JSON? in
                let queue = try await wharf.api.get("/v2/queue").json["queue"]?.array ?? []
                guard let entry = queue.first(where: { $0["app"]?["id"]?.string == "/huge" }) else { return nil }
                let reasons = entry["processedOffersSummary"]?["rejectSummaryLastOffers"]?.array ?? []
                let cpus = reasons.first { $0["reason"]?.string == "InsufficientCpus" }
                // (JSON is nil-literal expressible: return the Optional explicitly.)
                guard (cpus?["declined"]?.int ?? 0) > 0 else { return Optional<JSON>.none }
                return entry
            }
            #expect(entry["count"]?.int == 1, "\(entry)")
            #expect(try await wharf.api.tasks(of: "/huge").isEmpty)
            #expect(wharf.taskProcesses.isEmpty)
        }
    }
}

import Foundation
import Testing

/// Deployments that fail: too many failures of the new instances, or no progress for
/// progressDeadlineSeconds. They emit deployment_failed and, with autoRollback, restore the previous
/// definition without touching the instances that kept running. DELETE of a deployment reverts it.
@Suite("Deployment failures", .timeLimit(.minutes(15)))
struct DeploymentFailureTests {
    /// Whether a deployment event's plan has an action on `appId`.
    static func touches(_ event: ReceivedEvent, _ appId: String) -> Bool {
        (event.payload["plan"]?["steps"]?.array ?? []).contains { step in
            (step["actions"]?.array ?? []).contains { $0["app"]?.string == appId }
        }
    }

    /// The id of a deployment event (`id`, else `plan.id`).
    static func deploymentId(of event: ReceivedEvent) -> String? {
        event.payload["id"]?.string ?? event.payload["plan"]?["id"]?.string
    }

    /// Waits until `appId` has no deployment and exactly the healthy tasks `ids` (after a rollback).
    static func waitUntilBack(to ids: Set<String>, of appId: String, _ wharf: WharfProcess) async throws {
        try await waitUntil("\(appId) rolled back to its original instances", timeout: .seconds(30)) {
            let healthy = taskIds(try await wharf.api.healthyTasks(of: appId))
            return try await wharf.api.deployments(of: appId).isEmpty && healthy == ids
        }
    }

    /// Samples, in the background, which of `ids` have a live process and a TASK_RUNNING task.
    static func survivorSampler(_ wharf: WharfProcess, appId: String, ids: Set<String>) -> Sampler<Set<String>> {
        let api = wharf.api
        let dataDir = wharf.dataDir
        return Sampler(every: .milliseconds(50)) { () -> Set<String> in
            let running = taskIds(try await api.runningTasks(of: appId))
            let live = ProcessTable.liveTaskIds(under: dataDir, app: appId)
            return ids.intersection(running).intersection(live)
        }
    }

    /// Checks that every sample held all of `ids`, and that no status update ever spoke of killing them.
    static func expectNeverKilled(_ ids: Set<String>, samples: [Set<String>], events: EventStream) {
        #expect(!samples.isEmpty, "no samples")
        let gaps = samples.filter { $0 != ids }
        #expect(gaps.isEmpty, "old tasks missing in \(gaps.count) of \(samples.count) samples, e.g. \(ids.subtracting(gaps.first ?? ids))")
        let touched = events.events(ofType: "status_update_event").filter {
            ids.contains($0.payload["taskId"]?.string ?? "")
                && !["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"].contains($0.payload["taskStatus"]?.string ?? "")
        }
        #expect(touched.isEmpty, "old tasks changed state: \(touched.map(\.payload))")
    }

    @Test("progressDeadlineSeconds and autoRollback: omitted until set (strict Marathon clients), bad values rejected with their paths")
    func newFieldsAndDefaults() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/plain"))
            #expect(created.status == 201, "\(created)")
            // Not Marathon fields: clients such as marathon-python reject unknown keys, so they appear
            // only once a user sets them.
            #expect(created.json["autoRollback"] == nil && created.json["progressDeadlineSeconds"] == nil, "\(created)")
            let fetched = try #require(try await wharf.api.app("/plain"))
            #expect(fetched["autoRollback"] == nil && fetched["progressDeadlineSeconds"] == nil, "\(fetched)")

            var zero = Fixtures.sleeper("/zero-deadline")
            zero["progressDeadlineSeconds"] = 0
            let deadline = try await wharf.api.post("/v2/apps", zero)
            #expect(deadline.status == 422, "\(deadline)")
            #expect(deadline.detailPaths.contains("/progressDeadlineSeconds"), "\(deadline)")

            var wrongType = Fixtures.sleeper("/wrong-type")
            wrongType["autoRollback"] = "yes"
            let rollback = try await wharf.api.post("/v2/apps", wrongType)
            #expect([400, 422].contains(rollback.status), "\(rollback)")
            #expect(rollback.detailPaths.contains("/autoRollback"), "\(rollback)")

            let switchedOff = try await wharf.api.put(MarathonClient.appPath("/plain"), ["autoRollback": false, "progressDeadlineSeconds": 30])
            #expect(switchedOff.status == 200, "\(switchedOff)")
            let updated = try #require(try await wharf.api.app("/plain"))
            #expect(updated["autoRollback"]?.bool == false && updated["progressDeadlineSeconds"]?.int == 30, "\(updated)")
            if let restartId = MarathonClient.deploymentId(switchedOff) { try await wharf.api.waitForDeployment(restartId, timeout: .seconds(30)) }
        }
    }

    @Test("a version whose command exits at once → deployment_failed, automatic rollback, old tasks untouched")
    func crashingVersionRollsBack() async throws {
        try await withWharf { wharf in
            let appId = "/steady"
            let events = EventStream(wharf.api, eventTypes: [
                "event_stream_attached", "status_update_event", "deployment_failed", "deployment_success", "deployment_info",
            ])
            defer { events.close() }
            try await events.waitUntilAttached()

            let created = try await wharf.api.post("/v2/apps", Fixtures.healthChecked(appId, instances: 3))
            #expect(created.status == 201, "\(created)")
            let old = taskIds(try await wharf.api.waitForHealthy(appId, count: 3))
            let oldCmd = try #require(try await wharf.api.app(appId)?["cmd"]?.string)
            let survivors = Self.survivorSampler(wharf, appId: appId, ids: old)

            let updated = try await wharf.api.put(MarathonClient.appPath(appId), ["cmd": "exit 1"])
            #expect(updated.status == 200, "\(updated)")
            let deploymentId = try #require(MarathonClient.deploymentId(updated), "\(updated)")

            // 3 failures (the default --deployment-max-failures) with 1 s backoff: well within 45 s.
            let failed = try await events.waitFor("deployment_failed of \(deploymentId)", timeout: .seconds(45)) {
                $0.eventType == "deployment_failed" && Self.deploymentId(of: $0) == deploymentId
            }
            #expect(failed.payload["reason"]?.string?.isEmpty == false, "deployment_failed without a reason: \(failed.payload)")
            #expect(failed.payload["plan"]?["id"]?.string == deploymentId, "\(failed.payload)")
            let failures = events.events(ofType: "status_update_event").filter {
                $0.payload["appId"]?.string == appId && ["TASK_FAILED", "TASK_ERROR"].contains($0.payload["taskStatus"]?.string ?? "")
            }
            #expect(failures.count >= 3, "failed after \(failures.count) failures of new instances, expected 3")

            // The rollback deployment runs and succeeds; the definition is the old one again.
            let rollback = try await events.waitFor("a rollback deployment_success for \(appId)", timeout: .seconds(30)) {
                $0.eventType == "deployment_success" && Self.deploymentId(of: $0) != deploymentId && Self.touches($0, appId)
            }
            #expect(Self.deploymentId(of: rollback) != nil)
            try await waitUntil("no deployment left for \(appId)", timeout: .seconds(20)) {
                try await wharf.api.deployments(of: appId).isEmpty
            }
            let app = try #require(try await wharf.api.app(appId))
            #expect(app["cmd"]?.string == oldCmd, "definition not restored: \(app["cmd"] ?? .null)")
            let after = try await wharf.api.waitForHealthy(appId, count: 3, timeout: .seconds(20))
            #expect(taskIds(after) == old, "the original instances should be kept, not restarted: \(taskIds(after))")

            Self.expectNeverKilled(old, samples: await survivors.stop(), events: events)
            #expect(wharf.liveTaskIds(app: appId) == old, "a process of the failed version is still alive")
        }
    }

    @Test("--deployment-max-failures 2: a single crashing new instance fails the deployment at its 2nd failure, not before")
    func maxFailuresFlag() async throws {
        try await withWharf(["--deployment-max-failures", "2"]) { wharf in
            let appId = "/counted"
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "status_update_event", "deployment_failed"])
            defer { events.close() }
            try await events.waitUntilAttached()

            let created = try await wharf.api.post("/v2/apps", Fixtures.healthChecked(appId, instances: 1))
            #expect(created.status == 201, "\(created)")
            let old = taskIds(try await wharf.api.waitForHealthy(appId, count: 1))
            let updated = try await wharf.api.put(MarathonClient.appPath(appId), ["cmd": "exit 1"])
            let deploymentId = try #require(MarathonClient.deploymentId(updated), "\(updated)")
            let newVersion = updated.json["version"]?.string

            let failed = try await events.waitFor("deployment_failed of \(deploymentId)", timeout: .seconds(30)) {
                $0.eventType == "deployment_failed" && Self.deploymentId(of: $0) == deploymentId
            }
            let failedAt = try #require(parseTimestamp(failed.payload["timestamp"]?.string))
            let newFailures = events.events(ofType: "status_update_event").filter {
                $0.payload["appId"]?.string == appId && $0.payload["version"]?.string == newVersion
                    && ["TASK_FAILED", "TASK_ERROR"].contains($0.payload["taskStatus"]?.string ?? "")
                    && (parseTimestamp($0.payload["timestamp"]?.string) ?? .distantFuture) <= failedAt
            }
            #expect(newFailures.count == 2, "deployment failed after \(newFailures.count) failures of the new version, flag says 2")
            try await Self.waitUntilBack(to: old, of: appId, wharf)
            #expect(try await wharf.api.app(appId)?["cmd"]?.string == HealthApp.command)
        }
    }

    @Test("a version that never gets healthy fails after progressDeadlineSeconds and rolls back")
    func progressDeadlineRollsBack() async throws {
        try await withWharf { wharf in
            let appId = "/deadline"
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "status_update_event", "deployment_failed", "deployment_success"])
            defer { events.close() }
            try await events.waitUntilAttached()

            var app = Fixtures.patientlyChecked(appId, instances: 2)
            app["progressDeadlineSeconds"] = 5
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            #expect(created.json["progressDeadlineSeconds"]?.int == 5, "\(created)")
            let old = taskIds(try await wharf.api.waitForHealthy(appId, count: 2))
            // An empty env is left out of GET, as Marathon leaves it out.
            let oldEnv = try #require(try await wharf.api.app(appId))["env"] ?? [:]
            let survivors = Self.survivorSampler(wharf, appId: appId, ids: old)

            // /health answers 500 forever, within a 300 s grace period: never healthy, never killed.
            let started = Date()
            let updated = try await wharf.api.put(MarathonClient.appPath(appId), ["env": ["ALWAYS_SICK": "1"]])
            #expect(updated.status == 200, "\(updated)")
            let deploymentId = try #require(MarathonClient.deploymentId(updated), "\(updated)")

            let failed = try await events.waitFor("deployment_failed of \(deploymentId)", timeout: .seconds(40)) {
                $0.eventType == "deployment_failed" && Self.deploymentId(of: $0) == deploymentId
            }
            let failedAt = parseTimestamp(failed.payload["timestamp"]?.string) ?? Date()
            #expect(failedAt.timeIntervalSince(started) >= 4, "failed \(failedAt.timeIntervalSince(started)) s after the update, before the 5 s deadline")
            #expect(failed.payload["reason"]?.string?.isEmpty == false, "\(failed.payload)")

            try await events.waitFor("the rollback's deployment_success", timeout: .seconds(30)) {
                $0.eventType == "deployment_success" && Self.deploymentId(of: $0) != deploymentId && Self.touches($0, appId)
            }
            try await waitUntil("no deployment left for \(appId)", timeout: .seconds(20)) {
                try await wharf.api.deployments(of: appId).isEmpty
            }
            #expect(try #require(try await wharf.api.app(appId))["env"] ?? [:] == oldEnv, "env not restored")
            let after = try await wharf.api.waitForHealthy(appId, count: 2, timeout: .seconds(20))
            #expect(taskIds(after) == old, "\(taskIds(after))")
            Self.expectNeverKilled(old, samples: await survivors.stop(), events: events)
            try await waitUntil("the never-healthy instance's process is gone", timeout: .seconds(20)) {
                wharf.liveTaskIds(app: appId) == old
            }
        }
    }

    @Test("--deployment-deadline 3 applies to apps without progressDeadlineSeconds")
    func serverDefaultDeadline() async throws {
        try await withWharf(["--deployment-deadline", "3"]) { wharf in
            let appId = "/defaulted"
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "deployment_failed"])
            defer { events.close() }
            try await events.waitUntilAttached()
            let created = try await wharf.api.post("/v2/apps", Fixtures.patientlyChecked(appId, instances: 1))
            #expect(created.status == 201, "\(created)")
            let old = taskIds(try await wharf.api.waitForHealthy(appId, count: 1))

            let started = Date()
            let updated = try await wharf.api.put(MarathonClient.appPath(appId), ["env": ["ALWAYS_SICK": "1"]])
            let deploymentId = try #require(MarathonClient.deploymentId(updated), "\(updated)")
            let failed = try await events.waitFor("deployment_failed of \(deploymentId)", timeout: .seconds(30)) {
                $0.eventType == "deployment_failed" && Self.deploymentId(of: $0) == deploymentId
            }
            let after = (parseTimestamp(failed.payload["timestamp"]?.string) ?? Date()).timeIntervalSince(started)
            #expect(after >= 2.5, "failed \(after) s after the update, before the 3 s deadline")
            try await Self.waitUntilBack(to: old, of: appId, wharf)
        }
    }

    @Test("autoRollback false: the deployment fails and nothing is rolled back")
    func noAutoRollback() async throws {
        try await withWharf { wharf in
            let appId = "/stubborn"
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "deployment_failed", "deployment_info", "deployment_success"])
            defer { events.close() }
            try await events.waitUntilAttached()

            var app = Fixtures.patientlyChecked(appId, instances: 1)
            app["progressDeadlineSeconds"] = 4
            app["autoRollback"] = false
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            #expect(created.json["autoRollback"]?.bool == false, "\(created)")
            let old = taskIds(try await wharf.api.waitForHealthy(appId, count: 1))

            let updated = try await wharf.api.put(MarathonClient.appPath(appId), ["env": ["ALWAYS_SICK": "1"]])
            let deploymentId = try #require(MarathonClient.deploymentId(updated), "\(updated)")
            let failed = try await events.waitFor("deployment_failed of \(deploymentId)", timeout: .seconds(40)) {
                $0.eventType == "deployment_failed" && Self.deploymentId(of: $0) == deploymentId
            }
            #expect(failed.payload["reason"]?.string?.isEmpty == false, "\(failed.payload)")

            try await waitUntil("no deployment left for \(appId)", timeout: .seconds(10)) {
                try await wharf.api.deployments(of: appId).isEmpty
            }
            // A deployment after the failure would be a rollback (it would start right when the old one
            // fails): there is none, and the definition stays the failed one.
            let later = try await wharf.api.app(appId)
            #expect(later?["env"]?["ALWAYS_SICK"]?.string == "1", "the definition was rolled back: \(later?["env"] ?? .null)")
            #expect(later?["deployments"]?.array?.isEmpty == true)
            let others = events.events.filter {
                ["deployment_info", "deployment_success"].contains($0.eventType ?? "")
                    && Self.deploymentId(of: $0) != deploymentId && Self.touches($0, appId)
                    && (parseTimestamp($0.payload["timestamp"]?.string) ?? .distantPast)
                        >= (parseTimestamp(failed.payload["timestamp"]?.string) ?? .distantFuture)
            }
            #expect(others.isEmpty, "a deployment ran after the failure: \(others.map(\.payload))")
            #expect(old.isSubset(of: taskIds(try await wharf.api.runningTasks(of: appId))), "the old instance should be kept")
        }
    }

    @Test("DELETE /v2/deployments/{id} of a stuck deployment reverts it without losing healthy instances")
    func deleteRevertsStuckDeployment() async throws {
        try await withWharf { wharf in
            let appId = "/reverted"
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "status_update_event"])
            defer { events.close() }
            try await events.waitUntilAttached()

            let created = try await wharf.api.post("/v2/apps", Fixtures.patientlyChecked(appId, instances: 3))
            #expect(created.status == 201, "\(created)")
            let old = taskIds(try await wharf.api.waitForHealthy(appId, count: 3))
            let oldVersionEnv = try #require(try await wharf.api.app(appId))["env"] ?? [:]

            let updated = try await wharf.api.put(MarathonClient.appPath(appId), ["env": ["ALWAYS_SICK": "1"]])
            let deploymentId = try #require(MarathonClient.deploymentId(updated), "\(updated)")
            // Stuck: a new instance runs, never healthy, and the deployment stays.
            try await waitUntil("a new, unhealthy instance runs", timeout: .seconds(30)) {
                let running = try await wharf.api.runningTasks(of: appId)
                return running.contains { !old.contains($0["id"]?.string ?? "") }
            }
            #expect(try await wharf.api.deploymentIds().contains(deploymentId))
            let healthyBefore = try await wharf.api.healthyTasks(of: appId).count
            #expect(healthyBefore == 3)

            let api = wharf.api
            let healthy = Sampler(every: .milliseconds(75)) { try await api.healthyTasks(of: appId).count }
            let deleted = try await wharf.api.delete("/v2/deployments/\(deploymentId)")
            #expect(deleted.status == 200, "\(deleted)")
            let revertId = try #require(deleted.json["deploymentId"]?.string, "\(deleted)")
            #expect(deleted.json["version"]?.string != nil, "\(deleted)")
            #expect(revertId != deploymentId)

            try await wharf.api.waitForDeployment(revertId, timeout: .seconds(30))
            let after = try await wharf.api.waitForHealthy(appId, count: 3, timeout: .seconds(20))
            let samples = await healthy.stop()
            #expect(!samples.isEmpty)
            #expect(samples.allSatisfy { $0 >= healthyBefore }, "healthy instances dropped to \(samples.min() ?? -1) during the revert")
            #expect(after.count >= healthyBefore)
            #expect(taskIds(after) == old, "the original instances should be kept: \(taskIds(after))")
            #expect(try #require(try await wharf.api.app(appId))["env"] ?? [:] == oldVersionEnv, "definition not reverted")
            try await waitUntil("the new version's process is gone", timeout: .seconds(20)) {
                wharf.liveTaskIds(app: appId) == old
            }
        }
    }
}

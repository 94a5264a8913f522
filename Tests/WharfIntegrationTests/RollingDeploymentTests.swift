import Foundation
import Testing

/// Rolling restarts with health checks: capacity bounds hold throughout, the deployment is visible
/// while it runs, old tasks are drained (TASK_KILLING) before they end, readiness checks gate progress.
@Suite("Rolling deployments", .timeLimit(.minutes(15)))
struct RollingDeploymentTests {
    struct Strategy: Sendable, CustomTestStringConvertible {
        var minimumHealthCapacity: Double
        var maximumOverCapacity: Double
        var testDescription: String { "mhc \(minimumHealthCapacity), moc \(maximumOverCapacity)" }
    }

    /// One sample of the app during the restart.
    struct CapacitySample: Sendable {
        var healthy: Int
        /// Healthy tasks whose port answered `/health` with 200 in this sample.
        var serving: Int
        var active: Int
        var killing: Int
        var ids: [String]
    }

    @Test("restart of 4 health-checked instances keeps ≥ ceil(4×mhc) healthy and ≤ floor(4×(1+moc)) running",
          arguments: [Strategy(minimumHealthCapacity: 0.75, maximumOverCapacity: 0.25),
                      Strategy(minimumHealthCapacity: 0.5, maximumOverCapacity: 0)])
    func rollingRestartKeepsCapacity(strategy: Strategy) async throws {
        try await withWharf { wharf in
            let appId = "/rolling"
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "status_update_event", "deployment_success"])
            defer { events.close() }
            try await events.waitUntilAttached()

            // Instances that take 2 s to become healthy, as real ones do: the restart lasts long
            // enough (≥ 4 s) to be sampled even on a machine busy building images.
            let app = Fixtures.healthChecked(appId, instances: 4, env: ["HEALTHY_AFTER": "2"], upgradeStrategy: [
                "minimumHealthCapacity": .number(strategy.minimumHealthCapacity),
                "maximumOverCapacity": .number(strategy.maximumOverCapacity),
            ])
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            let before = taskIds(try await wharf.api.waitForHealthy(appId, count: 4, timeout: .seconds(60)))

            let minHealthy = Int((4 * strategy.minimumHealthCapacity).rounded(.up))
            let maxActive = Int((4 * (1 + strategy.maximumOverCapacity)).rounded(.down))
            let api = wharf.api
            let capacity = Sampler(every: .milliseconds(60)) { () -> CapacitySample in
                let tasks = try await api.tasks(of: appId)
                let healthy = tasks.filter(isHealthy)
                var serving = 0
                var problems: [String] = []
                for task in healthy {
                    guard let port = task["ports"]?[0]?.int else { continue }
                    do {
                        let status = try await httpStatus(port: port, path: "/health")
                        if status == 200 { serving += 1 } else { problems.append("\(port): HTTP \(status)") }
                    } catch {
                        problems.append("\(port): \(error)")
                    }
                }
                return CapacitySample(
                    healthy: healthy.count, serving: serving, active: tasks.filter(isActive).count,
                    killing: tasks.filter { $0["state"]?.string == "TASK_KILLING" }.count,
                    ids: tasks.compactMap { task in task["id"]?.string.map { "\($0)=\(task["state"]?.string ?? "?")" } } + problems
                )
            }
            let deploymentViews = Sampler(every: .milliseconds(100)) { () -> [JSON] in
                try await api.deployments(of: appId)
            }

            let restarted = try await wharf.api.post(MarathonClient.appPath(appId, "/restart"))
            #expect(restarted.status == 200, "\(restarted)")
            let deploymentId = try #require(MarathonClient.deploymentId(restarted), "\(restarted)")
            let newVersion = restarted.json["version"]?.string

            try await events.waitFor("deployment_success of the restart", timeout: .seconds(60)) {
                $0.eventType == "deployment_success"
                    && ($0.payload["id"]?.string == deploymentId || $0.payload["plan"]?["id"]?.string == deploymentId)
            }
            let after = try await wharf.api.waitForHealthy(appId, count: 4, timeout: .seconds(30))
            let samples = await capacity.stop()
            let views = await deploymentViews.stop()

            // Every instance was replaced, by tasks of the new version.
            #expect(taskIds(after).isDisjoint(with: before), "old tasks survived the restart: \(taskIds(after).intersection(before))")
            if let newVersion {
                for task in after { #expect(task["version"]?.string == newVersion, "\(task)") }
            }

            // The bounds, in every sample. (A sample is several HTTP requests; on a busy machine a fast
            // restart (mhc 0.5, moc 0: two at a time) leaves room for only a handful.)
            #expect(samples.count >= 4, "too few samples (\(samples.count)) to judge; errors: \(capacity.failures.prefix(3))")
            let lowest = samples.min { $0.healthy < $1.healthy }
            let highest = samples.max { $0.active < $1.active }
            #expect((lowest?.healthy ?? 0) >= minHealthy,
                    "healthy dropped to \(lowest?.healthy ?? -1) < \(minHealthy): \(lowest?.ids ?? [])")
            let leastServing = samples.min { $0.serving < $1.serving }
            #expect((leastServing?.serving ?? 0) >= minHealthy,
                    "only \(leastServing?.serving ?? -1) instances answered /health: \(leastServing?.ids ?? [])")
            #expect((highest?.active ?? 0) <= maxActive,
                    "running rose to \(highest?.active ?? -1) > \(maxActive): \(highest?.ids ?? [])")
            #expect(samples.contains { $0.killing > 0 || $0.active != 4 || $0.healthy != 4 }, "the samples never saw the restart in progress")

            // The deployment was visible while it ran, with its steps and current actions.
            let shown = views.flatMap { $0 }.filter { $0["id"]?.string == deploymentId }
            #expect(!shown.isEmpty, "deployment \(deploymentId) was never listed while running")
            for view in shown {
                let step = view["currentStep"]?.int ?? -1
                let total = view["totalSteps"]?.int ?? -1
                #expect(total >= 1 && step >= 0 && step <= total, "currentStep \(step) / totalSteps \(total): \(view)")
            }
            #expect(shown.contains { view in
                (view["currentActions"]?.array ?? []).contains {
                    $0["app"]?.string == appId && $0["action"]?.string == "RestartApplication"
                        && $0["readinessCheckResults"]?.array != nil
                }
            }, "no view showed RestartApplication of \(appId) in currentActions: \(shown.first ?? .null)")

            // Each old task was drained: TASK_KILLING, then its end.
            try await waitUntil("every old task reported its end", timeout: .seconds(20)) {
                before.allSatisfy { id in
                    events.events(ofType: "status_update_event").contains {
                        $0.payload["taskId"]?.string == id && $0.payload["taskStatus"]?.string == "TASK_KILLED"
                    }
                }
            }
            for id in before {
                let states = events.events(ofType: "status_update_event")
                    .filter { $0.payload["taskId"]?.string == id }.compactMap { $0.payload["taskStatus"]?.string }
                let killing = states.firstIndex(of: "TASK_KILLING")
                let killed = states.firstIndex(of: "TASK_KILLED")
                #expect(killing != nil && killed != nil && killing! < killed!, "\(id): \(states)")
            }
            try await waitUntil("old processes are gone", timeout: .seconds(20)) {
                wharf.liveTaskIds(app: appId) == taskIds(after)
            }
        }
    }

    @Test("a new version whose readiness check fails keeps the deployment open and the old instances until it passes")
    func readinessGatesDeployment() async throws {
        try await withWharf { wharf in
            let appId = "/gated"
            let directory = wharf.dataDir + "/readiness-files"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let readyV1 = directory + "/v1"
            let readyV2 = directory + "/v2"
            _ = FileManager.default.createFile(atPath: readyV1, contents: Data())

            var app = Fixtures.healthChecked(appId, instances: 2, env: ["READY_FILE": readyV1])
            app["readinessChecks"] = [Fixtures.readinessCheck()]
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            let old = taskIds(try await wharf.api.waitForHealthy(appId, count: 2, timeout: .seconds(60)))

            let updated = try await wharf.api.put(MarathonClient.appPath(appId), ["env": ["READY_FILE": .string(readyV2)]])
            #expect(updated.status == 200, "\(updated)")
            let deploymentId = try #require(MarathonClient.deploymentId(updated), "\(updated)")
            let newVersion = try #require(updated.json["version"]?.string, "\(updated)")

            // The new instances run and are healthy, and the deployment reports them not ready.
            let notReady = try await poll("a new instance healthy and reported not ready", timeout: .seconds(40)) { () -> JSON? in
                let tasks = try await wharf.api.tasks(of: appId)
                let fresh = taskIds(tasks.filter { isHealthy($0) && $0["version"]?.string == newVersion })
                guard !fresh.isEmpty,
                      let deployment = try await wharf.api.deployments(of: appId).first(where: { $0["id"]?.string == deploymentId })
                else { return nil }
                let results = (deployment["currentActions"]?.array ?? []).flatMap { $0["readinessCheckResults"]?.array ?? [] }
                return results.first { $0["ready"]?.bool == false && fresh.contains($0["taskId"]?.string ?? "") }
            }
            #expect(notReady["name"]?.string == "ready", "\(notReady)")

            // Held: the deployment is open and every old instance still runs.
            #expect(try await wharf.api.deploymentIds().contains(deploymentId))
            let running = taskIds(try await wharf.api.runningTasks(of: appId))
            #expect(old.isSubset(of: running), "old instances were killed before the new ones were ready: \(old.subtracting(running))")
            #expect(old.isSubset(of: wharf.liveTaskIds(app: appId)))

            // Ready now: the deployment finishes and replaces the old instances.
            _ = FileManager.default.createFile(atPath: readyV2, contents: Data())
            try await wharf.api.waitForDeployment(deploymentId, timeout: .seconds(40))
            let after = try await wharf.api.waitForHealthy(appId, count: 2, timeout: .seconds(20))
            #expect(taskIds(after).isDisjoint(with: old), "\(taskIds(after))")
            for task in after { #expect(task["version"]?.string == newVersion, "\(task)") }
        }
    }
}

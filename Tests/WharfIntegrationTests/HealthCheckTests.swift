import Foundation
import Testing

/// Health checks run by the agent: results on tasks and apps, Marathon's health events, killing and
/// replacing an instance that stays unhealthy, and validation of check definitions.
@Suite("Health checks", .timeLimit(.minutes(15)))
struct HealthCheckTests {
    @Test("HTTP /health turns 500: unhealthy, failed_health_check_event, killed with unhealthy_instance_kill_event, replaced")
    func unhealthyInstanceIsReplaced() async throws {
        try await withWharf { wharf in
            let events = EventStream(wharf.api, eventTypes: [
                "event_stream_attached", "status_update_event", "health_status_changed_event",
                "instance_health_changed_event", "failed_health_check_event", "unhealthy_instance_kill_event",
            ])
            defer { events.close() }
            try await events.waitUntilAttached()

            let app = Fixtures.healthChecked(
                "/sickly", healthCheck: Fixtures.httpHealthCheck(gracePeriodSeconds: 10, maxConsecutiveFailures: 3)
            )
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            let version = created.json["version"]?.string

            // Healthy: the task's result, the app's counts and the event.
            let first = try #require(try await wharf.api.waitForHealthy("/sickly", count: 1).first)
            let taskId = try #require(first["id"]?.string)
            let result = try #require(first["healthCheckResults"]?[0], "\(first)")
            #expect(result["alive"]?.bool == true, "\(result)")
            #expect(result["consecutiveFailures"]?.int == 0, "\(result)")
            #expect(parseTimestamp(result["firstSuccess"]?.string) != nil, "firstSuccess: \(result)")
            #expect(parseTimestamp(result["lastSuccess"]?.string) != nil, "lastSuccess: \(result)")
            #expect(result["instanceId"]?.string == instanceId(ofTask: taskId), "\(result)")
            let counted = try #require(try await wharf.api.get("/v2/apps?embed=apps.counts").json["apps"]?[0])
            #expect(counted["tasksHealthy"]?.int == 1, "\(counted)")
            #expect(counted["tasksUnhealthy"]?.int == 0, "\(counted)")
            let up = try await events.waitFor("health_status_changed_event alive=true for \(taskId)", timeout: .seconds(10)) {
                $0.eventType == "health_status_changed_event" && $0.payload["alive"]?.bool == true
                    && $0.payload["instanceId"]?.string == instanceId(ofTask: taskId)
            }
            // Marathon 1.10's HealthStatusChanged: {appId, instanceId, version, alive}.
            #expect(Set(up.payload.object.map { Array($0.keys) } ?? []) == ["appId", "instanceId", "version", "alive", "eventType", "timestamp"],
                    "\(up.payload)")
            let instanceUp = try await events.waitFor("instance_health_changed_event healthy=true", timeout: .seconds(10)) {
                $0.eventType == "instance_health_changed_event" && $0.payload["instanceId"]?.string == instanceId(ofTask: taskId)
            }
            #expect(instanceUp.payload["healthy"]?.bool == true && instanceUp.payload["runSpecId"]?.string == "/sickly",
                    "\(instanceUp.payload)")

            let port = try #require(first["ports"]?[0]?.int)
            #expect(try await httpStatus(port: port, path: "/make-sick") == 200)

            // Until it is killed, the task shows alive=false and the app counts it unhealthy; sample both.
            var sawUnhealthyResult: JSON?
            var sawUnhealthyCount = false
            let replacement = try await poll("a healthy replacement of \(taskId)", timeout: .seconds(45)) { () -> JSON? in
                let tasks = try await wharf.api.tasks(of: "/sickly")
                if let old = tasks.first(where: { $0["id"]?.string == taskId }),
                   let check = old["healthCheckResults"]?[0], check["alive"]?.bool == false {
                    sawUnhealthyResult = check
                }
                if let app = try await wharf.api.app("/sickly"), app["tasksUnhealthy"]?.int == 1 { sawUnhealthyCount = true }
                let healthy = tasks.filter(isHealthy)
                guard healthy.count == 1, healthy[0]["id"]?.string != taskId else { return nil }
                return healthy[0]
            }
            let unhealthy = try #require(sawUnhealthyResult, "never saw healthCheckResults alive=false for \(taskId)")
            #expect((unhealthy["consecutiveFailures"]?.int ?? 0) >= 1, "\(unhealthy)")
            #expect(unhealthy["lastFailure"]?.string != nil, "\(unhealthy)")
            #expect(unhealthy["lastFailureCause"]?.string?.isEmpty == false, "\(unhealthy)")
            #expect(sawUnhealthyCount, "tasksUnhealthy never showed 1")

            // Marathon 1.10 writes the instance id as the event's taskId, and no instanceId.
            let failed = try await events.waitFor("failed_health_check_event for \(taskId)", timeout: .seconds(10)) {
                $0.eventType == "failed_health_check_event" && $0.payload["taskId"]?.string == instanceId(ofTask: taskId)
            }
            #expect(failed.payload["appId"]?.string == "/sickly", "\(failed.payload)")
            #expect(failed.payload["instanceId"] == nil, "\(failed.payload)")
            #expect(failed.payload["healthCheck"]?["path"]?.string == "/health", "\(failed.payload)")
            let down = try await events.waitFor("health_status_changed_event alive=false", timeout: .seconds(10)) {
                $0.eventType == "health_status_changed_event" && $0.payload["alive"]?.bool == false
                    && $0.payload["instanceId"]?.string == instanceId(ofTask: taskId)
            }
            #expect(down.payload["appId"]?.string == "/sickly", "\(down.payload)")
            #expect(down.payload["version"]?.string == version, "\(down.payload)")
            let killEvent = try await events.waitFor("unhealthy_instance_kill_event for \(taskId)", timeout: .seconds(10)) {
                $0.eventType == "unhealthy_instance_kill_event" && $0.payload["taskId"]?.string == taskId
            }
            #expect(killEvent.payload["appId"]?.string == "/sickly", "\(killEvent.payload)")
            #expect(killEvent.payload["instanceId"]?.string == instanceId(ofTask: taskId), "\(killEvent.payload)")
            #expect(killEvent.payload["reason"]?.string?.isEmpty == false, "\(killEvent.payload)")
            #expect(killEvent.payload["host"]?.string == "127.0.0.1", "\(killEvent.payload)")
            #expect(killEvent.payload["slaveId"]?.string?.isEmpty == false, "\(killEvent.payload)")
            #expect(killEvent.payload["version"]?.string == version, "\(killEvent.payload)")

            // A graceful kill: TASK_KILLING first, then the end; the process is gone.
            let updates = try await poll("the killed task's final status_update_event", timeout: .seconds(20)) { () -> [String]? in
                let states = events.events(ofType: "status_update_event")
                    .filter { $0.payload["taskId"]?.string == taskId }.compactMap { $0.payload["taskStatus"]?.string }
                return states.contains(where: { ["TASK_KILLED", "TASK_FAILED", "TASK_FINISHED"].contains($0) }) ? states : nil
            }
            let killing = try #require(updates.firstIndex(of: "TASK_KILLING"), "no TASK_KILLING for \(taskId): \(updates)")
            #expect(killing < updates.count - 1, "TASK_KILLING should come before the end: \(updates)")
            try await waitUntil("the unhealthy task's process is gone", timeout: .seconds(20)) {
                !wharf.liveTaskIds(app: "/sickly").contains(taskId)
            }

            // Marathon records the kill as the app's last task failure.
            let lastFailure = try await poll("lastTaskFailure of /sickly", timeout: .seconds(10)) {
                try await wharf.api.app("/sickly")?["lastTaskFailure"]
            }
            #expect(lastFailure["taskId"]?.string == taskId, "\(lastFailure)")
            #expect(lastFailure["message"]?.string?.isEmpty == false, "\(lastFailure)")

            #expect(replacement["healthCheckResults"]?[0]?["alive"]?.bool == true, "\(replacement)")
            #expect(try await wharf.api.app("/sickly")?["tasksHealthy"]?.int == 1)
            #expect(wharf.liveTaskIds(app: "/sickly") == [try #require(replacement["id"]?.string)])
        }
    }

    @Test("TCP, MESOS_HTTP, MESOS_TCP and COMMAND checks make tasks healthy; first success comes well before intervalSeconds")
    func tcpHttpAndCommandChecks() async throws {
        try await withWharf { wharf in
            var tcp = Fixtures.healthChecked("/tcp")
            tcp["healthChecks"] = [["protocol": "TCP", "portIndex": 0, "intervalSeconds": 1, "timeoutSeconds": 0,
                                    "gracePeriodSeconds": 30, "maxConsecutiveFailures": 3, "delaySeconds": 0]]
            // A 30 s interval: until the first success checks are retried every second, so the task
            // is healthy long before 30 s.
            var mesosHTTP = Fixtures.healthChecked("/mesos-http")
            mesosHTTP["healthChecks"] = [Fixtures.httpHealthCheck(protocolName: "MESOS_HTTP", intervalSeconds: 30, timeoutSeconds: 10)]
            var mesosTCP = Fixtures.healthChecked("/mesos-tcp")
            mesosTCP["healthChecks"] = [["protocol": "MESOS_TCP", "portIndex": 0, "intervalSeconds": 1, "timeoutSeconds": 0,
                                         "gracePeriodSeconds": 30, "delaySeconds": 0]]
            var command = Fixtures.sleeper("/command-ok")
            command["healthChecks"] = [["protocol": "COMMAND", "command": ["value": "exit 0"], "intervalSeconds": 1,
                                        "timeoutSeconds": 0, "gracePeriodSeconds": 30, "delaySeconds": 0]]
            for app in [tcp, mesosHTTP, mesosTCP, command] {
                let created = try await wharf.api.post("/v2/apps", app)
                #expect(created.status == 201, "\(created)")
            }
            let started = ContinuousClock.now
            for id in ["/tcp", "/mesos-http", "/mesos-tcp", "/command-ok"] {
                let healthy = try await wharf.api.waitForHealthy(id, count: 1, timeout: .seconds(20))
                let result = try #require(healthy.first?["healthCheckResults"]?[0], "\(healthy)")
                #expect(result["alive"]?.bool == true && result["consecutiveFailures"]?.int == 0, "\(id): \(result)")
                #expect(result["firstSuccess"]?.string != nil, "\(id): \(result)")
            }
            #expect(ContinuousClock.now - started < .seconds(20), "MESOS_HTTP with a 30 s interval waited for the interval")
            let apps = try await wharf.api.get("/v2/apps?embed=apps.counts").json["apps"]?.array ?? []
            #expect(apps.count == 4)
            for app in apps {
                #expect(app["tasksHealthy"]?.int == 1 && app["tasksUnhealthy"]?.int == 0, "\(app)")
            }
        }
    }

    @Test("failing COMMAND and TCP checks with maxConsecutiveFailures 0: unhealthy with a cause, never killed")
    func failingChecksWithoutKill() async throws {
        try await withWharf { wharf in
            var command = Fixtures.sleeper("/command-bad")
            command["healthChecks"] = [["protocol": "COMMAND", "command": ["value": "exit 1"], "intervalSeconds": 1,
                                        "timeoutSeconds": 0, "gracePeriodSeconds": 0, "maxConsecutiveFailures": 0,
                                        "delaySeconds": 0]]
            // A TCP check on a port nobody listens on.
            var tcp = Fixtures.sleeper("/tcp-bad")
            tcp["portDefinitions"] = []
            tcp["healthChecks"] = [["protocol": "TCP", "port": .number(Double(PortAllocator.ephemeralUnusedPort())),
                                    "intervalSeconds": 1, "timeoutSeconds": 0, "gracePeriodSeconds": 0,
                                    "maxConsecutiveFailures": 0, "delaySeconds": 0]]
            for app in [command, tcp] {
                let created = try await wharf.api.post("/v2/apps", app)
                #expect(created.status == 201, "\(created)")
            }
            for id in ["/command-bad", "/tcp-bad"] {
                // Well past any limit of 3 failures: still the same task, alive=false with a cause.
                let task = try await poll("\(id) has failed its check 4 times", timeout: .seconds(30)) { () -> JSON? in
                    let tasks = try await wharf.api.tasks(of: id)
                    guard tasks.count == 1, let result = tasks[0]["healthCheckResults"]?[0],
                          (result["consecutiveFailures"]?.int ?? 0) >= 4
                    else { return nil }
                    return tasks[0]
                }
                let result = try #require(task["healthCheckResults"]?[0])
                #expect(result["alive"]?.bool == false, "\(id): \(result)")
                #expect(result["lastFailureCause"]?.string?.isEmpty == false, "\(id): \(result)")
                #expect(result["firstSuccess"] == nil || result["firstSuccess"] == .null, "\(id): \(result)")
                #expect(task["state"]?.string == "TASK_RUNNING", "maxConsecutiveFailures 0 must never kill: \(task)")
                let app = try #require(try await wharf.api.app(id))
                #expect(app["tasksUnhealthy"]?.int == 1 && app["tasksHealthy"]?.int == 0, "\(app)")
                #expect(wharf.liveTaskIds(app: id) == [try #require(task["id"]?.string)])
            }
        }
    }

    @Test("invalid health and readiness checks → 422 with Marathon's paths, nothing created")
    func validation() async throws {
        try await withWharf { wharf in
            let base = Fixtures.healthChecked("/invalid")

            var badIndex = base
            badIndex["healthChecks"] = [["protocol": "HTTP", "path": "/health", "portIndex": 1]]
            let index = try await wharf.api.post("/v2/apps", badIndex)
            #expect(index.status == 422, "\(index)")
            #expect(index.detailPaths.contains("/healthChecks(0)"), "\(index)")

            var negative = base
            negative["healthChecks"] = [["protocol": "HTTP", "path": "/health", "portIndex": 0, "intervalSeconds": -1, "timeoutSeconds": 0]]
            let interval = try await wharf.api.post("/v2/apps", negative)
            #expect(interval.status == 422, "\(interval)")
            #expect(interval.detailPaths.contains("/healthChecks(0)/intervalSeconds"), "\(interval)")

            // Unlike readiness checks, an app health check may wait longer than its interval (Marathon
            // has the timeout < interval rule only for pods and readiness checks).
            var slow = Fixtures.healthChecked("/slow-check")
            slow["instances"] = 0
            slow["healthChecks"] = [["protocol": "TCP", "portIndex": 0, "intervalSeconds": 5, "timeoutSeconds": 5]]
            let timeout = try await wharf.api.post("/v2/apps", slow)
            #expect(timeout.status == 201, "\(timeout)")
            #expect(try await wharf.api.app("/slow-check")?["healthChecks"]?[0]?["timeoutSeconds"]?.int == 5)

            var unknownPort = base
            var readiness = Fixtures.readinessCheck()
            readiness["portName"] = "nope"
            unknownPort["readinessChecks"] = [readiness]
            let portName = try await wharf.api.post("/v2/apps", unknownPort)
            #expect(portName.status == 422, "\(portName)")
            #expect(portName.detailPaths.contains("/readinessChecks(0)/portName"), "\(portName)")

            // The same rules on PUT of an existing app; the stored definition is untouched.
            let created = try await wharf.api.post("/v2/apps", base)
            #expect(created.status == 201, "\(created)")
            let put = try await wharf.api.put(MarathonClient.appPath("/invalid"), ["healthChecks": [["protocol": "HTTP", "portIndex": 3]]])
            #expect(put.status == 422, "\(put)")
            #expect(put.detailPaths.contains("/healthChecks(0)"), "\(put)")
            let stored = try #require(try await wharf.api.app("/invalid"))
            #expect(stored["healthChecks"]?[0]?["portIndex"]?.int == 0, "\(stored)")
            #expect(try await wharf.api.get("/v2/apps").json["apps"]?.array?.count == 2)
        }
    }

    @Test("a readiness check with no httpStatusCodesForReady → 422 (it could never pass)")
    func readinessWithoutReadyCodes() async throws {
        try await withWharf { wharf in
            let base = Fixtures.healthChecked("/never-ready")
            // A readiness check no status satisfies would hold every deployment forever (Marathon:
            // httpStatusCodesForReady must not be empty).
            var noCodes = base
            var never = Fixtures.readinessCheck()
            never["httpStatusCodesForReady"] = []
            noCodes["readinessChecks"] = [never]
            let codes = try await wharf.api.post("/v2/apps", noCodes)
            #expect(codes.status == 422, "\(codes)")
            #expect(codes.detailPaths.contains("/readinessChecks(0)/httpStatusCodesForReady"), "\(codes)")
            #expect(try await wharf.api.get(MarathonClient.appPath("/never-ready")).status == 404)
        }
    }

    @Test("health_status_changed_event is stamped when the health changed, not when the task started")
    func healthEventTimestamp() async throws {
        try await withWharf { wharf in
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "health_status_changed_event"])
            defer { events.close() }
            try await events.waitUntilAttached()
            let created = try await wharf.api.post("/v2/apps", Fixtures.healthChecked("/stamped"))
            #expect(created.status == 201, "\(created)")
            let task = try #require(try await wharf.api.waitForHealthy("/stamped", count: 1).first)
            let taskId = try #require(task["id"]?.string)
            let up = try await events.waitFor("health_status_changed_event alive=true", timeout: .seconds(10)) {
                $0.payload["alive"]?.bool == true && $0.payload["instanceId"]?.string == instanceId(ofTask: taskId)
            }
            let changed = try #require(parseTimestamp(up.payload["timestamp"]?.string), "\(up.payload)")
            let success = try #require(parseTimestamp(task["healthCheckResults"]?[0]?["firstSuccess"]?.string), "\(task)")
            #expect(changed >= success.addingTimeInterval(-0.05),
                    "stamped \(up.payload["timestamp"]?.string ?? "?"), \(Int(success.timeIntervalSince(changed) * 1000)) ms before firstSuccess \(task["healthCheckResults"]?[0]?["firstSuccess"]?.string ?? "?")")
        }
    }
}

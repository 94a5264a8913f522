import Foundation

/// A small HTTP task for health and readiness checks, written to a temp file
/// and run as `python3 <path>`. It serves on `$PORT0`:
///
/// - `GET /health`: 200, or 500 once `$MESOS_SANDBOX/sick` exists, when `$ALWAYS_SICK` is set, or
///   for the first `$HEALTHY_AFTER` seconds after the task started (a slow starter);
/// - `GET /make-sick`: creates `$MESOS_SANDBOX/sick` (the task turns unhealthy), 200;
/// - `GET /ready`: 200 when the file named by `$READY_FILE` exists (or `$READY_FILE` is unset), else 503;
/// - anything else: 200 with the task id.
enum HealthApp {
    static let script = #"""
        import http.server, os, socketserver, sys, time

        started = time.monotonic()
        healthy_after = float(os.environ.get("HEALTHY_AFTER", "0"))
        sandbox = os.environ.get("MESOS_SANDBOX", ".")
        sick_file = os.path.join(sandbox, "sick")
        task_id = os.environ.get("MESOS_TASK_ID", "?")

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self, status, text):
                body = (text + "\n").encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/health":
                    sick = (os.path.exists(sick_file) or os.environ.get("ALWAYS_SICK")
                            or time.monotonic() - started < healthy_after)
                    self.answer(500 if sick else 200, "sick" if sick else "ok")
                elif self.path == "/make-sick":
                    open(sick_file, "w").close()
                    self.answer(200, "now sick")
                elif self.path == "/ready":
                    ready_file = os.environ.get("READY_FILE")
                    ready = not ready_file or os.path.exists(ready_file)
                    self.answer(200 if ready else 503, "ready" if ready else "not ready")
                else:
                    self.answer(200, task_id)

            def log_message(self, *args):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        Server(("0.0.0.0", int(os.environ["PORT0"])), Handler).serve_forever()
        """#

    /// Path of the script: one shared file, (re)written atomically on first use by each test
    /// process, so that runs leave nothing new behind and never see a half-written script.
    static let scriptPath: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-it-health-app.py").path
        try? Data(script.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }()

    /// `python3 <script>`.
    static var command: String { "python3 \(scriptPath)" }
}

extension Fixtures {
    /// An HTTP health check on port index 0 (`/health` by default), Marathon's JSON.
    static func httpHealthCheck(
        path: String = "/health", protocolName: String = "HTTP", intervalSeconds: Int = 1, timeoutSeconds: Int = 0,
        gracePeriodSeconds: Int = 30, maxConsecutiveFailures: Int = 3
    ) -> JSON {
        ["protocol": .string(protocolName), "path": .string(path), "portIndex": 0,
         "intervalSeconds": .number(Double(intervalSeconds)), "timeoutSeconds": .number(Double(timeoutSeconds)),
         "gracePeriodSeconds": .number(Double(gracePeriodSeconds)),
         "maxConsecutiveFailures": .number(Double(maxConsecutiveFailures)), "delaySeconds": 0]
    }

    /// The `HealthApp` script with one named port (`http`) and an HTTP health check on `/health`,
    /// a launch backoff of 1 s and no upgrade strategy set (Marathon's defaults) unless given.
    static func healthChecked(
        _ id: String, instances: Int = 1, healthCheck: JSON = httpHealthCheck(), env: [String: String] = [:],
        upgradeStrategy: JSON? = nil
    ) -> JSON {
        var app: JSON = [
            "id": .string(id), "cmd": .string(HealthApp.command), "instances": .number(Double(instances)),
            "cpus": 0.2, "mem": 64, "portDefinitions": [["port": 0, "name": "http"]],
            "healthChecks": [healthCheck], "backoffSeconds": 1, "backoffFactor": 1, "maxLaunchDelaySeconds": 5,
            "env": .object(env.mapValues { .string($0) }),
        ]
        if let upgradeStrategy { app["upgradeStrategy"] = upgradeStrategy }
        return app
    }

    /// `healthChecked` with a 300 s grace period: a version whose `/health` fails (env
    /// `ALWAYS_SICK=1`) stays unhealthy without being killed, so its deployment makes no progress.
    static func patientlyChecked(_ id: String, instances: Int = 1) -> JSON {
        healthChecked(id, instances: instances, healthCheck: httpHealthCheck(gracePeriodSeconds: 300))
    }

    /// A readiness check on the `http` port's `/ready`, polled every 2 s (the check's timeout must be
    /// positive and below its interval).
    static func readinessCheck(intervalSeconds: Int = 2, timeoutSeconds: Int = 1) -> JSON {
        ["name": "ready", "protocol": "HTTP", "path": "/ready", "portName": "http",
         "intervalSeconds": .number(Double(intervalSeconds)), "timeoutSeconds": .number(Double(timeoutSeconds)),
         "httpStatusCodesForReady": [200], "preserveLastResponse": false]
    }
}

// MARK: Reading health from task JSON

/// Whether a task of `GET /v2/apps/{id}/tasks` is TASK_RUNNING with every health check result alive.
func isHealthy(_ task: JSON) -> Bool {
    guard task["state"]?.string == "TASK_RUNNING", let results = task["healthCheckResults"]?.array, !results.isEmpty
    else { return false }
    return results.allSatisfy { $0["alive"]?.bool == true }
}

/// Whether a task holds a slot: staged, starting or running (killing and terminal tasks do not).
func isActive(_ task: JSON) -> Bool {
    ["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"].contains(task["state"]?.string ?? "")
}

extension MarathonClient {
    /// Tasks of the app that are running and healthy.
    func healthyTasks(of appId: String) async throws -> [JSON] {
        try await tasks(of: appId).filter(isHealthy)
    }

    /// Waits until the app has exactly `count` healthy tasks and no deployment; returns them.
    @discardableResult
    func waitForHealthy(_ appId: String, count: Int, timeout: Duration = .seconds(60)) async throws -> [JSON] {
        try await poll("\(appId) has \(count) healthy tasks and no deployment", timeout: timeout) {
            let tasks = try await tasks(of: appId)
            let healthy = tasks.filter(isHealthy)
            guard healthy.count == count, tasks.filter(isActive).count == count,
                  try await app(appId)?["deployments"]?.array?.isEmpty ?? false
            else { return nil }
            return healthy
        }
    }

    /// The deployments of `GET /v2/deployments` that affect `appId`.
    func deployments(of appId: String) async throws -> [JSON] {
        try await get("/v2/deployments").json.array?.filter {
            $0["affectedApps"]?.array?.contains(.string(appId)) == true
        } ?? []
    }
}

/// GETs `http://127.0.0.1:port<path>` and returns the status.
func httpStatus(port: Int, path: String) async throws -> Int {
    try await MarathonClient(baseURL: "http://127.0.0.1:\(port)").request("GET", path, accept: "*/*", timeout: .seconds(10)).status
}

/// The instance id a Marathon task id belongs to (`app.instance-<uuid>._app.<n>` → `app.instance-<uuid>`).
func instanceId(ofTask taskId: String) -> String {
    if let range = taskId.range(of: "._app.", options: .backwards) { return String(taskId[..<range.lowerBound]) }
    return taskId
}

import Foundation
import Glibc
@testable import WharfAgent
import WharfModel

/// A small HTTP server for tasks under test, on `$PORT0` of the task, answering from its sandbox:
/// `/health` 200, or 503 while a file `unhealthy` exists; `/ready` 503 until a file `ready` exists,
/// then 200 with body `ready-body`; `/redirect` 302; `/hang` never answers.
let testServerScript = #"""
import http.server, os, socketserver, time

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/hang":
            time.sleep(3600)
            return
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/nowhere")
            self.end_headers()
            return
        if self.path == "/ready":
            ready = os.path.exists("ready")
            body = b"ready-body" if ready else b"not yet"
            self.send_response(200 if ready else 503)
        else:
            body = b"ok"
            self.send_response(503 if os.path.exists("unhealthy") else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

Server(("127.0.0.1", int(os.environ["PORT0"])), Handler).serve_forever()
"""#

/// An app `/test/<name>` running ``testServerScript`` (written to `dir`), with the given checks.
func makeServerApp(
    _ name: String, dir: TemporaryDirectory, healthChecks: [HealthCheck] = [], readinessChecks: [ReadinessCheck] = []
) -> AppDefinition {
    let script = dir.path + "/server.py"
    if !FileManager.default.fileExists(atPath: script) {
        FileManager.default.createFile(atPath: script, contents: Data(testServerScript.utf8))
    }
    var app = makeApp(name, cmd: "exec python3 \(script)")
    app.healthChecks = healthChecks
    app.readinessChecks = readinessChecks
    return app
}

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice for a bind to port 0).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length)
            return getsockname(fd, pointer, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A health check with short test timings: grace, interval and timeout in seconds, no delay.
func testCheck(
    _ proto: HealthCheck.CheckProtocol, path: String? = nil, port: Int? = nil, command: String? = nil,
    grace: Int = 30, interval: Int = 1, timeout: Int = 2, maxFailures: Int = 0
) -> HealthCheck {
    HealthCheck(
        protocol: proto, path: path ?? (proto.isHTTP ? "/health" : nil), portIndex: port == nil && command == nil ? 0 : nil,
        port: port, command: command, gracePeriodSeconds: grace, intervalSeconds: interval, timeoutSeconds: timeout,
        maxConsecutiveFailures: maxFailures, delaySeconds: 0)
}

extension ReportLog {
    /// The health carried by every status reported for `instanceId`, in order.
    func healths(_ instanceId: String) -> [TaskHealth?] {
        statuses(instanceId).map(\.health)
    }

    /// The latest health reported for `instanceId` while it ran.
    func latestHealth(_ instanceId: String) -> TaskHealth? {
        statuses(instanceId).last { $0.state == .running }?.health
    }
}

/// Pids of live processes whose command line contains `marker`.
func processes(containing marker: String) -> [Int32] {
    FileIO.listDirectory("/proc").compactMap { name -> Int32? in
        guard let pid = Int32(name), isAlive(pid),
              let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline")
        else { return nil }
        let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        return line.contains(marker) ? pid : nil
    }
}

/// The sandbox of `launch`'s task under `dir`.
func sandbox(of launch: LaunchTask, in dir: TemporaryDirectory) -> String {
    "\(dir.path)/sandboxes/\(launch.app.id.safeName)/\(launch.instance.taskId)"
}

/// Kills `launch`'s task (no drain, short grace) and waits until it is reported ended.
func stopTask(_ launch: LaunchTask, agent: Agent, log: ReportLog) async {
    await agent.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 1, reason: "test over")))
    _ = await eventually { await log.terminal(launch.instance.id) != nil }
}

import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Processes of one `wharf haproxy` test: a fake `/v1/wharf/routes` endpoint serving a JSON file
/// (with Consul-style blocking on `?index=`), python backends answering their name, and `wharf haproxy`.
final class HAProxyHarness {
    /// The installed haproxy (PATH or the sbin directories), nil when absent.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/sbin"])
            .map { $0 + "/haproxy" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// CI sets `WHARF_REQUIRE_HAPROXY=1`: the HAProxy tests must then run (and fail without haproxy)
    /// instead of being skipped.
    static var isRequired: Bool { ProcessInfo.processInfo.environment["WHARF_REQUIRE_HAPROXY"] == "1" }

    /// The installed haproxy, or a test failure saying how to install it.
    static func requireExecutable() throws -> String {
        struct NotInstalled: Error, CustomStringConvertible {
            var description: String { "haproxy is not installed (apt-get install haproxy; scripts/test does it)" }
        }
        guard let executable else { throw NotInstalled() }
        return executable
    }

    /// Short temporary directory (unix socket paths are limited to 108 bytes).
    let directory: String
    var routesFile: String { directory + "/routes.json" }
    var socketPath: String { directory + "/admin.sock" }
    private var processes: [Process] = []
    private var wharf: Process?
    private var logPath: String { directory + "/wharf-haproxy.log" }

    init(routesPort: Int) throws {
        directory = "/tmp/wharf-it-hx-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(Self.script.utf8).write(to: URL(fileURLWithPath: directory + "/fixture.py"))
    }

    /// Replaces the routes the fake endpoint serves (atomically).
    func publish(_ routes: JSON) throws {
        try routes.data.write(to: URL(fileURLWithPath: routesFile), options: .atomic)
    }

    /// `python3 fixture.py <arguments>` in the background.
    func startPython(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory + "/fixture.py"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        processes.append(process)
    }

    /// Starts `wharf haproxy <arguments>` with its output in the log.
    func startWharfHAProxy(_ arguments: [String]) throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: WharfProcess.binaryPath)
        process.arguments = ["haproxy"] + arguments + ["--log-level", "debug"]
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        wharf = process
    }

    /// SIGTERM to `wharf haproxy`; its exit status, nil if it had to be killed.
    func stopWharfHAProxy() async -> Int32? {
        guard let wharf, wharf.isRunning else { return nil }
        wharf.terminate()
        if (try? await waitUntil("wharf haproxy exits", timeout: .seconds(30), every: .milliseconds(20)) { !wharf.isRunning }) != nil {
            return wharf.terminationStatus
        }
        kill(wharf.processIdentifier, SIGKILL)
        return nil
    }

    /// The log of `wharf haproxy` (and the HAProxy it started).
    func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// HAProxy's master pid from the pid file.
    func masterPid() -> Int32? {
        (try? String(contentsOfFile: directory + "/haproxy.pid", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The answer of HAProxy's runtime API to `command`.
    func runtime(_ command: String) async throws -> String {
        let result = try await runCommand("/usr/bin/env", ["python3", directory + "/fixture.py", "socket", socketPath, command], timeout: .seconds(10))
        guard result.exitCode == 0 else { throw HarnessError("runtime API: \(result)") }
        return result.stdout
    }

    /// The pid of the worker answering the runtime API (`show info`); it changes on every reload.
    func workerPid() async throws -> Int32 {
        let info = try await runtime("show info")
        guard let line = info.split(separator: "\n").first(where: { $0.hasPrefix("Pid:") }),
              let pid = Int32(line.dropFirst(4).trimmingCharacters(in: .whitespaces))
        else { throw HarnessError("no Pid in show info: \(info)") }
        return pid
    }

    /// GET / through HAProxy with a Host header; the answering backend's name.
    static func get(port: Int, host: String) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/")
        request.headers.add(name: "Host", value: host)
        let response = try await MarathonClient.http.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard response.status.code == 200 else { throw HarnessError("HTTP \(response.status.code) from HAProxy for \(host)") }
        return String(decoding: body.readableBytesView, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops wharf haproxy (if still running) and the python processes, removes the directory.
    func cleanUp() {
        if let wharf, wharf.isRunning { kill(wharf.processIdentifier, SIGKILL) }
        if let master = masterPid(), wharf?.isRunning != true { kill(master, SIGKILL) }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if ProcessInfo.processInfo.environment["WHARF_TEST_KEEP"] == nil { try? FileManager.default.removeItem(atPath: directory) }
    }

    static let script = #"""
        import http.server, json, os, socket, socketserver, sys, time, urllib.parse

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        def answer(handler, status, body, headers=()):
            handler.send_response(status)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)

        def routes(port, path):
            def load():
                with open(path, "rb") as f:
                    data = f.read()
                return data, json.loads(data).get("index", 0)

            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    url = urllib.parse.urlparse(self.path)
                    if url.path != "/v1/wharf/routes":
                        return answer(self, 404, b'{"message":"not found"}')
                    query = urllib.parse.parse_qs(url.query)
                    after = int(query.get("index", ["0"])[0])
                    wait = float(query.get("wait", ["60s"])[0].rstrip("s") or 60)
                    deadline = time.time() + wait
                    data, index = load()
                    while after and index <= after and time.time() < deadline:
                        time.sleep(0.05)
                        data, index = load()
                    answer(self, 200, data, [("Content-Type", "application/json"), ("X-Consul-Index", str(index))])

                def log_message(self, *args):
                    pass

            Server(("127.0.0.1", port), Handler).serve_forever()

        def backend(port, name):
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    answer(self, 200, (name + "\n").encode(), [("Content-Type", "text/plain")])

                def log_message(self, *args):
                    pass

            Server(("127.0.0.1", port), Handler).serve_forever()

        def runtime(path, command):
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            s.sendall((command + "\n").encode())
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
            sys.stdout.write(out.decode())

        mode = sys.argv[1]
        if mode == "routes":
            routes(int(sys.argv[2]), sys.argv[3])
        elif mode == "backend":
            backend(int(sys.argv[2]), sys.argv[3])
        else:
            runtime(sys.argv[2], sys.argv[3])
        """#
}

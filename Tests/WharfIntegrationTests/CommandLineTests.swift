import Foundation
import Testing

/// The `wharf` command line against a running server, and its exit codes.
@Suite("Command line", .timeLimit(.minutes(15)))
struct CommandLineTests {
    @Test("wharf dev rejects invalid flags and variables with exit code 64", arguments: [
        (["dev", "--api-port", "http"], [String: String](), "--api-port"),
        (["dev", "--api-port", "70000"], [:], "--api-port"),
        (["dev", "--task-ports", "2000-1000"], [:], "--task-ports"),
        (["dev", "--task-ports", "10000-10100,10050-10200"], [:], "overlap"),
        (["dev", "--cpus", "-1"], [:], "--cpus"),
        (["dev", "--log-level", "loud"], [:], "--log-level"),
        (["dev"], ["WHARF_API_PORT": "nope"], "WHARF_API_PORT"),
        (["dev", "--api-port", "31500"], [:], "task port range"),
        (["dev", "--router-port", "31001"], [:], "--router-port 31001 lies inside the task port range"),
        (["dev", "--service-ports", "20000-10000"], [:], "--service-ports"),
        (["dev", "--service-ports", "10000-10100,10200-10300"], [:], "--service-ports"),
        (["dev"], ["WHARF_STOP_TASKS_ON_EXIT": "maybe"], "WHARF_STOP_TASKS_ON_EXIT"),
        (["dev", "--router-port", "8080"], [:], "already used by --api-port"),
        (["dev", "--dns-port", "none"], [:], "--dns-port"),
        (["dev", "--router-timeouts", "connect=3s,bogus=1s"], [:], "--router-timeouts"),
        (["dev", "--router-timeouts", "idle=soon"], [:], "--router-timeouts"),
        (["dev", "--dns-domains", "consul"], [:], "--dns-domains"),
        (["dev", "--router-domain", "not a domain"], [:], "--router-domain"),
        (["dev"], ["WHARF_DNS_TTL": "-1"], "WHARF_DNS_TTL"),
        (["dev", "--log-max-size", "10x"], [:], "--log-max-size"),
        (["dev"], ["WHARF_LOG_MAX_SIZE": "100"], "WHARF_LOG_MAX_SIZE"),
        (["dev", "--log-max-files", "0"], [:], "--log-max-files"),
        (["dev", "--syslog", "http://127.0.0.1:514"], [:], "--syslog"),
        (["dev", "--syslog", "udp://127.0.0.1:99999"], [:], "--syslog"),
        (["dev", "--sandbox-retention", "soon"], [:], "--sandbox-retention"),
        (["dev", "--sandboxes-per-app", "-1"], [:], "--sandboxes-per-app"),
    ])
    func devRejectsInvalidFlags(arguments: [String], environment: [String: String], mention: String) async throws {
        let result = try await runWharfCLI(arguments, environment: environment)
        #expect(result.exitCode == 64, "\(result)")
        #expect(result.stderr.contains(mention), "\(result)")
    }

    @Test("client commands exit 2 with the URL when nothing listens")
    func cannotConnect() async throws {
        let url = "http://127.0.0.1:\(PortAllocator.ephemeralUnusedPort())"
        let result = try await runWharfCLI(["app", "list", "--api", url])
        #expect(result.exitCode == 2, "\(result)")
        #expect(result.stderr.contains(url), "\(result)")
        let viaEnvironment = try await runWharfCLI(["deployments"], environment: ["WHARF_API": url])
        #expect(viaEnvironment.exitCode == 2, "\(viaEnvironment)")
    }

    @Test("deploy, list, show, scale, tasks, restart, deployments, destroy through the CLI")
    func appCommands() async throws {
        try await withWharf { wharf in
            let api = ["--api", wharf.api.baseURL]
            let sleep = Fixtures.examplePath("sleep.json")

            let deployed = try await runWharfCLI(["app", "deploy", "-f", sleep, "--wait", "--timeout", "90"] + api)
            #expect(deployed.exitCode == 0, "\(deployed)")
            #expect(deployed.stdout.contains("/simple"), "\(deployed)")
            #expect(try await wharf.api.runningTasks(of: "/simple").count == 2)

            let list = try await runWharfCLI(["app", "list"] + api)
            #expect(list.exitCode == 0, "\(list)")
            #expect(list.stdout.contains("/simple") && list.stdout.contains("2/2"), "\(list)")

            let listJSON = try await runWharfCLI(["app", "list", "--json"] + api)
            #expect(JSON(data: Data(listJSON.stdout.utf8))?["apps"]?.array?.count == 1, "\(listJSON)")

            let show = try await runWharfCLI(["app", "show", "/simple"] + api)
            #expect(show.exitCode == 0, "\(show)")
            #expect(show.stdout.contains("sleep 1000") && show.stdout.contains("TASK_RUNNING"), "\(show)")

            // Deploying the same file again updates instead of failing.
            let again = try await runWharfCLI(["app", "deploy", "-f", sleep, "--wait", "--timeout", "90"] + api)
            #expect(again.exitCode == 0, "\(again)")
            #expect(again.stdout.contains("Updated"), "\(again)")

            let scaled = try await runWharfCLI(["app", "scale", "/simple", "3", "--wait", "--timeout", "90"] + api)
            #expect(scaled.exitCode == 0, "\(scaled)")
            #expect(try await wharf.api.runningTasks(of: "/simple").count == 3)

            let tasks = try await runWharfCLI(["app", "tasks", "simple", "--json"] + api)
            #expect(tasks.exitCode == 0, "\(tasks)")
            #expect(JSON(data: Data(tasks.stdout.utf8))?["tasks"]?.array?.count == 3, "\(tasks)")

            let restarted = try await runWharfCLI(["app", "restart", "/simple", "--wait", "--timeout", "90"] + api)
            #expect(restarted.exitCode == 0, "\(restarted)")

            let deployments = try await runWharfCLI(["deployments"] + api)
            #expect(deployments.exitCode == 0, "\(deployments)")
            #expect(deployments.stdout.contains("No deployments"), "\(deployments)")

            let destroyed = try await runWharfCLI(["app", "destroy", "/simple", "--wait", "--timeout", "90"] + api)
            #expect(destroyed.exitCode == 0, "\(destroyed)")
            #expect(try await wharf.api.app("/simple") == nil)
            try await waitUntil("no /simple process") { wharf.liveTaskIds(app: "/simple").isEmpty }
        }
    }

    @Test("server errors exit 1 with the message and each detail; bad files exit 64")
    func errors() async throws {
        try await withWharf { wharf in
            let api = ["--api", wharf.api.baseURL]

            let missing = try await runWharfCLI(["app", "show", "/nope"] + api)
            #expect(missing.exitCode == 1, "\(missing)")
            #expect(missing.stderr.contains("App '/nope' does not exist"), "\(missing)")

            let scaleMissing = try await runWharfCLI(["app", "scale", "/nope", "2"] + api)
            #expect(scaleMissing.exitCode == 1, "\(scaleMissing)")
            #expect(try await wharf.api.app("/nope") == nil, "scale must not create an app")

            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-cli-files-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }

            let invalid = directory.appendingPathComponent("invalid.json")
            try Data(#"{"id":"/bad","cmd":"sleep 1","args":["x"],"cpus":-2}"#.utf8).write(to: invalid)
            let rejected = try await runWharfCLI(["app", "deploy", "-f", invalid.path] + api)
            #expect(rejected.exitCode == 1, "\(rejected)")
            #expect(rejected.stderr.contains("/cpus:"), "each detail path is printed: \(rejected)")

            // Valid JSON that is no app: Marathon's "Invalid JSON" names the missing member; the CLI says
            // that the syntax is fine and shows the path.
            let noId = directory.appendingPathComponent("no-id.json")
            try Data(#"{"cmd": "sleep 1"}"#.utf8).write(to: noId)
            let withoutId = try await runWharfCLI(["app", "deploy", "-f", noId.path] + api)
            #expect(withoutId.exitCode == 1, "\(withoutId)")
            #expect(withoutId.stderr.contains("the JSON is well-formed"), "\(withoutId)")
            #expect(withoutId.stderr.contains(#"/id: 'id' is undefined on object: {"cmd":"sleep 1"}"#), "\(withoutId)")

            let broken = directory.appendingPathComponent("broken.json")
            try Data(#"{"id": "/x", "#.utf8).write(to: broken)
            let notJSON = try await runWharfCLI(["app", "deploy", "-f", broken.path] + api)
            #expect(notJSON.exitCode == 64, "\(notJSON)")
            #expect(notJSON.stderr.contains("not valid JSON"), "\(notJSON)")

            let absent = try await runWharfCLI(["app", "deploy", "-f", directory.appendingPathComponent("absent.json").path] + api)
            #expect(absent.exitCode == 64, "\(absent)")
            #expect(absent.stderr.contains("does not exist"), "\(absent)")

            let usage = try await runWharfCLI(["app", "scale", "/x"] + api)
            #expect(usage.exitCode == 64, "\(usage)")
        }
    }

    @Test("wharf events prints one line per event")
    func events() async throws {
        try await withWharf { wharf in
            // Stream in the background, deploy, then stop the CLI and read what it printed.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-events-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let outPath = directory.appendingPathComponent("out").path
            _ = FileManager.default.createFile(atPath: outPath, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: WharfProcess.binaryPath)
            process.arguments = ["events", "--api", wharf.api.baseURL, "--type", "event_stream_attached", "--type", "deployment_success"]
            process.standardOutput = FileHandle(forWritingAtPath: outPath)
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            func output() -> String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
            try await waitUntil("wharf events is attached") { output().contains("event_stream_attached") }
            _ = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/watched"))
            try await waitUntil("wharf events printed deployment_success") { output().contains("deployment_success") }
            let lines = output().split(separator: "\n")
            #expect(lines.allSatisfy { $0.contains("event_stream_attached") || $0.contains("deployment_success") }, "\(lines)")
        }
    }

    @Test("wharf logs: tail, stderr, a task id; -f follows an app across its task's restarts and ends when it is destroyed")
    func logs() async throws {
        try await withWharf { wharf in
            let app: JSON = ["id": "/chatter", "instances": 1, "cpus": 0.1, "mem": 32, "backoffSeconds": 1,
                             "cmd": "echo start $MESOS_TASK_ID; echo problem >&2; for i in 1 2 3; do echo tick $i; sleep 0.3; done; exit 1"]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let task = try await poll("a task") { try await wharf.api.tasks(of: "/chatter").first?["id"]?.string }
            try await waitUntil("its output") {
                try await wharf.api.request("GET", "/v2/tasks/\(task)/logs", accept: "*/*").text.contains("tick 3")
            }
            let tail = try await runWharfCLI(["logs", "--api", wharf.api.baseURL, task, "--tail", "2"])
            #expect(tail.exitCode == 0 && tail.stdout == "tick 2\ntick 3\n", "\(tail)")
            let stderr = try await runWharfCLI(["logs", "--api", wharf.api.baseURL, task, "--stderr"])
            #expect(stderr.stdout == "problem\n", "\(stderr)")
            let missing = try await runWharfCLI(["logs", "--api", wharf.api.baseURL, "/nothing-here"])
            #expect(missing.exitCode == 1 && missing.stderr.contains("does not exist"), "\(missing)")

            let logPath = wharf.dataDir + "/cli-logs.out"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let follow = ChildProcess(name: "wharf logs -f", arguments: ["logs", "--api", wharf.api.baseURL, "-f", "/chatter"],
                                      logPath: logPath)
            try follow.start()
            let starts = try await poll("the follow went on to a third task", timeout: .seconds(60)) { () -> [String]? in
                let starts = follow.log.split(separator: "\n").filter { $0.hasPrefix("start ") }.map(String.init)
                return Set(starts).count >= 3 ? starts : nil
            }
            #expect(follow.log.contains("ended; following"), "\(follow.log)")
            // Each task's output whole and in order before the next task's.
            for start in starts {
                let after = follow.log.components(separatedBy: start + "\n").dropFirst().first ?? ""
                if after.contains("start ") { #expect(after.hasPrefix("tick 1\ntick 2\ntick 3\n") || after.contains("tick 1\ntick 2\ntick 3\n")) }
            }
            #expect(try await wharf.api.delete(MarathonClient.appPath("/chatter")).status == 200)
            try await waitUntil("wharf logs -f ends once the app is gone", timeout: .seconds(30)) { !follow.isRunning }
            #expect(follow.exitStatus == 0, "\(follow.log)")
        }
    }
}

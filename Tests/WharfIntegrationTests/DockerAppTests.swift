import Foundation
import Testing

/// `container.type: DOCKER` apps on the machine's Docker engine. Skipped by name without an engine,
/// except in CI (`WHARF_REQUIRE_DOCKER=1`), where a missing engine fails them.
@Suite("Docker apps", .enabled(if: DockerEngine.isAvailable || DockerEngine.isRequired, "no Docker engine with \(DockerEngine.testImage)"), .timeLimit(.minutes(15)))
struct DockerAppTests {
    /// busybox httpd on container port 80, BRIDGE networking, host port assigned by Wharf.
    static func web(_ id: String, instances: Int, image: String = DockerEngine.testImage) -> JSON {
        ["id": .string(id), "cmd": "httpd -f -p 80 -h /www", "instances": .number(Double(instances)),
         "cpus": 0.1, "mem": 32,
         "container": ["type": "DOCKER", "docker": ["image": .string(image), "network": "BRIDGE"],
                       "portMappings": [["containerPort": 80, "hostPort": 0, "protocol": "tcp"]]]]
    }

    /// Runs `body` against a wharf dev and removes the containers it created afterwards.
    func withDockerWharf(_ arguments: [String] = [], _ body: (WharfProcess) async throws -> Void) async throws {
        try #require(DockerEngine.isAvailable, "WHARF_REQUIRE_DOCKER=1 but no Docker engine answers with \(DockerEngine.testImage)")
        try await withWharf(arguments) { wharf in
            let outcome: Result<Void, Error>
            do { outcome = .success(try await body(wharf)) } catch { outcome = .failure(error) }
            await DockerEngine.removeContainers(of: wharf.dataDir)
            try outcome.get()
        }
    }

    @Test("a BRIDGE app answers on its mapped host ports and through the router; scaling up and down starts and removes containers")
    func bridgeAppAndScaling() async throws {
        try await withDockerWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", Self.web("/dweb", instances: 2))
            #expect(created.status == 201, "\(created)")
            let tasks = try await wharf.api.waitForRunning("/dweb", count: 2, timeout: .seconds(120))
            for task in tasks {
                let port = try #require(task["ports"]?[0]?.int, "\(task)")
                try await waitUntil("container answers on host port \(port)", timeout: .seconds(30)) {
                    try await httpStatus(port: port) == 200
                }
            }
            #expect(try await DockerEngine.containers(of: wharf.dataDir, all: false).count == 2)

            // Through the edge router, by the app's name: both containers are its backends.
            let backends = try await poll("the router has both containers", timeout: .seconds(10)) { () -> [Int]? in
                let route = try await wharf.api.get("/v1/wharf/routes").json["http"]?.array?.first { $0["name"]?.string == "dweb" }
                let ports = route?["backends"]?.array?.compactMap { $0["port"]?.int } ?? []
                return ports.count == 2 ? ports.sorted() : nil
            }
            #expect(backends == tasks.compactMap { $0["ports"]?[0]?.int }.sorted())
            for _ in 0..<4 {
                let (status, _) = try await DiscoveryTests.throughRouter(wharf, host: "dweb.localhost")
                #expect(status == 200)
            }

            _ = try await wharf.api.put(MarathonClient.appPath("/dweb"), ["instances": 3])
            _ = try await wharf.api.waitForRunning("/dweb", count: 3, timeout: .seconds(120))
            try await waitUntil("3 containers run") { try await DockerEngine.containers(of: wharf.dataDir, all: false).count == 3 }

            _ = try await wharf.api.put(MarathonClient.appPath("/dweb"), ["instances": 1])
            try await waitUntil("1 container left, stopped ones removed", timeout: .seconds(60)) {
                try await DockerEngine.containers(of: wharf.dataDir).count == 1
            }
            let deleted = try await wharf.api.delete(MarathonClient.appPath("/dweb"))
            #expect(deleted.status == 200, "\(deleted)")
            try await waitUntil("no container left", timeout: .seconds(60)) {
                try await DockerEngine.containers(of: wharf.dataDir).isEmpty
            }
        }
    }

    @Test("kill -9 of wharf and restart: running containers are re-adopted, none duplicated")
    func readoptionAfterKillNine() async throws {
        try await withDockerWharf { wharf in
            _ = try await wharf.api.post("/v2/apps", Self.web("/dkeep", instances: 2))
            let before = taskIds(try await wharf.api.waitForRunning("/dkeep", count: 2, timeout: .seconds(120)))
            let containersBefore = Set(try await DockerEngine.containers(of: wharf.dataDir, all: false))
            #expect(containersBefore.count == 2)

            try await wharf.kill9()
            try await wharf.restart()

            try await waitUntil("the same 2 tasks run again", timeout: .seconds(60)) {
                taskIds(try await wharf.api.runningTasks(of: "/dkeep")) == before
            }
            #expect(Set(try await DockerEngine.containers(of: wharf.dataDir)) == containersBefore)
            _ = try await wharf.api.delete(MarathonClient.appPath("/dkeep"))
            try await waitUntil("containers removed with the app", timeout: .seconds(60)) {
                try await DockerEngine.containers(of: wharf.dataDir).isEmpty
            }
        }
    }

    @Test("an image that cannot be pulled fails the task with the registry's reason and backs off")
    func pullFailure() async throws {
        try await withDockerWharf { wharf in
            var app = Self.web("/dmissing", instances: 1, image: "127.0.0.1:1/wharf-missing:1")
            app["backoffSeconds"] = 30
            _ = try await wharf.api.post("/v2/apps", app)
            let failure = try await poll("lastTaskFailure of /dmissing", timeout: .seconds(60)) { () -> JSON? in
                try await wharf.api.app("/dmissing")?["lastTaskFailure"]
            }
            #expect(failure["state"]?.string == "TASK_FAILED", "\(failure)")
            #expect((failure["message"]?.string ?? "").contains("127.0.0.1:1"), "\(failure)")
            // The next reconciliation pass puts the replacement in the queue, delayed by the backoff.
            let entry = try await poll("/dmissing waits in the queue", timeout: .seconds(10)) { () -> JSON? in
                try await wharf.api.get("/v2/queue").json["queue"]?.array?.first { $0["app"]?["id"]?.string == "/dmissing" }
            }
            #expect((entry["delay"]?["timeLeftSeconds"]?.int ?? 0) > 0, "\(entry)")
            #expect(try await DockerEngine.containers(of: wharf.dataDir).isEmpty)
        }
    }

    @Test("while an image pull hangs on a registry that never answers, API writes answer and other apps deploy; destroying the app ends the pull")
    func hangingPullBlocksNothing() async throws {
        try await withDockerWharf { wharf in
            let registry = try await PortHolder.start(PortAllocator.shared.block(of: 1).lowerBound)
            defer { registry.stop() }
            let image = "127.0.0.1:\(registry.port)/never-answers:1"
            let pulling = try await wharf.api.post("/v2/apps", Self.web("/dstuck", instances: 1, image: image))
            #expect(pulling.status == 201, "\(pulling)")
            try await waitUntil("the Docker task is staged and pulling") {
                try await wharf.api.tasks(of: "/dstuck").count == 1
            }

            let started = ContinuousClock.now
            let other = try await wharf.api.post("/v2/apps", ["id": "/beside-the-pull", "cmd": "sleep 600", "cpus": 0.1, "mem": 16])
            let answeredIn = ContinuousClock.now - started
            #expect(other.status == 201, "\(other)")
            _ = try await wharf.api.waitForRunning("/beside-the-pull", count: 1)
            // The pull still hangs: the Docker task neither ran nor failed meanwhile.
            let stuck = try await wharf.api.tasks(of: "/dstuck")
            #expect(stuck.count == 1 && ["TASK_STAGING", "TASK_STARTING"].contains(stuck.first?["state"]?.string ?? ""), "\(stuck)")
            #expect(try await wharf.api.app("/dstuck")?["lastTaskFailure"] == nil)
            print("POST /v2/apps beside a hanging pull answered in \(answeredIn)")

            // A kill reaches a task still pulling: the deployment that destroys the app finishes.
            let destroyed = try await wharf.api.delete(MarathonClient.appPath("/dstuck"))
            #expect(destroyed.status == 200, "\(destroyed)")
            let deployment = try #require(MarathonClient.deploymentId(destroyed))
            try await wharf.api.waitForDeployment(deployment, timeout: .seconds(30))
            #expect(try await wharf.api.app("/dstuck") == nil)
        }
    }

    @Test("a host-path volume keeps its data across a restart of the app")
    func volumePersists() async throws {
        let hostDir = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-volume-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: hostDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: hostDir) }
        try await withDockerWharf { wharf in
            let app: JSON = [
                "id": "/dvolume", "cmd": "echo $MESOS_TASK_ID >> /data/log; exec sleep 100000", "instances": 1,
                "cpus": 0.1, "mem": 16,
                "container": ["type": "DOCKER", "docker": ["image": .string(DockerEngine.testImage)],
                              "volumes": [["hostPath": .string(hostDir), "containerPath": "/data", "mode": "RW"]]],
            ]
            _ = try await wharf.api.post("/v2/apps", app)
            let first = taskIds(try await wharf.api.waitForRunning("/dvolume", count: 1, timeout: .seconds(120)))
            let restarted = try await wharf.api.post(MarathonClient.appPath("/dvolume", "/restart"))
            #expect(restarted.status == 200, "\(restarted)")
            let second = try await poll("a new task after the restart", timeout: .seconds(120)) { () -> Set<String>? in
                let running = taskIds(try await wharf.api.runningTasks(of: "/dvolume"))
                return running.count == 1 && running != first ? running : nil
            }
            try await waitUntil("both tasks wrote to the volume", timeout: .seconds(30)) {
                let log = (try? String(contentsOfFile: hostDir + "/log", encoding: .utf8)) ?? ""
                return first.union(second).allSatisfy { log.contains($0) }
            }
        }
    }

    @Test("a container's output goes through rotated files: tail, stderr, continuous offsets, and no gap across kill -9 of wharf")
    func containerLogs() async throws {
        try await withDockerWharf(["--log-max-size", "4k", "--log-max-files", "3"]) { wharf in
            let app: JSON = [
                "id": "/dlogs", "instances": 1, "cpus": 0.1, "mem": 16,
                "cmd": "echo started >&2; i=0; while true; do i=$((i+1)); echo line $i; [ $((i % 50)) = 0 ] && sleep 0.05; done",
                "container": ["type": "DOCKER", "docker": ["image": .string(DockerEngine.testImage)]],
            ]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let task = try #require(try await wharf.api.waitForRunning("/dlogs", count: 1, timeout: .seconds(120)).first?["id"]?.string)
            let path = "/v2/tasks/\(task)/logs"
            #expect(try await poll("stderr arrived") { () -> String? in
                let text = try await wharf.api.request("GET", path + "?stream=stderr", accept: "*/*").text
                return text.isEmpty ? nil : text
            } == "started\n")
            func numbers() async throws -> (start: Int, values: [Int]) {
                let read = try await wharf.api.request("GET", path + "?offset=0", accept: "*/*")
                let values = read.text.split(separator: "\n").compactMap { Int($0.split(separator: " ").last ?? "") }
                return (Int(read.header("X-Wharf-Log-Start") ?? "") ?? -1, values)
            }
            // Rotated past what 3 files of 4 KiB hold: a read from 0 starts at the oldest byte kept.
            let before = try await poll("the oldest output rotated away", timeout: .seconds(60)) { () -> (start: Int, values: [Int])? in
                let read = try await numbers()
                return read.start > 0 ? read : nil
            }
            #expect(FileManager.default.fileExists(atPath: "\(wharf.dataDir)/sandboxes/dlogs/\(task)/stdout.2"))
            #expect(!FileManager.default.fileExists(atPath: "\(wharf.dataDir)/sandboxes/dlogs/\(task)/stdout.3"))
            #expect(before.values.count > 10 && before.values == Array(before.values[0]...(before.values[0] + before.values.count - 1)))
            let tail = try await wharf.api.request("GET", path + "?tail=2", accept: "*/*").text.split(separator: "\n")
            #expect(tail.count == 2 && tail.allSatisfy { $0.hasPrefix("line ") }, "\(tail)")

            try await wharf.kill9()
            try await Task.sleep(for: .seconds(1))
            try await wharf.restart()
            let last = before.values.last ?? 0
            let after = try await poll("output well past the restart", timeout: .seconds(60)) { () -> [Int]? in
                let values = try await numbers().values
                return (values.last ?? 0) > last + 500 ? values : nil
            }
            #expect(after == Array(after[0]...(after[0] + after.count - 1)), "a gap or a repeat around the restart")
        }
    }
}

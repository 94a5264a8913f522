import Foundation
import Testing
import WharfMetrics

/// Task output through the log API of `wharf dev`: rotation with continuous offsets, reads by
/// offset, tail and time, follows (plain and Server-Sent Events) across rotations and to a task's
/// end, ended tasks, a `kill -9` of wharf, Mesos' `/files/read`, and bad requests.
@Suite("Task logs", .timeLimit(.minutes(10)))
struct TaskLogTests {
    /// An app whose task waits for a file `go` in its sandbox, then prints `line 1` … `line N` in
    /// batches of 50, then sleeps.
    static func printer(_ id: String, lines: Int) -> JSON {
        let batches = lines / 50
        return [
            "id": .string(id), "instances": 1, "cpus": 0.1, "mem": 32,
            "cmd": .string("while [ ! -e go ]; do sleep 0.05; done; i=0; while [ $i -lt \(batches) ]; do "
                + "seq -f 'line %g' $((i*50+1)) $((i*50+50)); i=$((i+1)); sleep 0.02; done; sleep 600"),
        ]
    }

    /// The text `printer` prints.
    static func lines(_ range: ClosedRange<Int>) -> String {
        range.map { "line \($0)\n" }.joined()
    }

    static func logs(_ taskId: String, _ query: String = "") -> String {
        "/v2/tasks/\(taskId)/logs" + (query.isEmpty ? "" : "?" + query)
    }

    static func sandbox(_ wharf: WharfProcess, app: String, taskId: String) -> String {
        "\(wharf.dataDir)/sandboxes/\(app)/\(taskId)"
    }

    @Test("rotation keeps offsets continuous: a follow across rotations, reads by offset, tail, /files/read")
    func rotationAndOffsets() async throws {
        try await withWharf(["--log-max-size", "4k", "--log-max-files", "3"]) { wharf in
            let created = try await wharf.api.post("/v2/apps", Self.printer("/printer", lines: 3000))
            #expect(created.status == 201, "\(created)")
            let task = try #require(try await wharf.api.waitForRunning("/printer", count: 1).first?["id"]?.string)
            let expected = Array(Self.lines(1...3000).utf8)

            let follow = StreamingRead(wharf.api.baseURL + Self.logs(task, "offset=0&follow=true"))
            defer { follow.close() }
            try await waitUntil("the follow has started") { follow.status == 200 }
            let sandbox = Self.sandbox(wharf, app: "printer", taskId: task)
            #expect(FileManager.default.createFile(atPath: sandbox + "/go", contents: nil))
            try await follow.waitFor("line 3000\n", timeout: .seconds(60))
            #expect(follow.bytes == expected, "the follow lost, repeated or reordered bytes across rotations")

            // At most 3 files of at most 4 KiB: older output is gone.
            let files = try FileManager.default.contentsOfDirectory(atPath: sandbox).filter { $0.hasPrefix("stdout") }
            #expect(Set(files).isSuperset(of: ["stdout", "stdout.1", "stdout.2"]), "\(files)")
            #expect(!files.contains("stdout.3"), "\(files)")
            for name in ["stdout", "stdout.1", "stdout.2"] {
                let size = try FileManager.default.attributesOfItem(atPath: sandbox + "/" + name)[.size] as? Int ?? .max
                #expect(size <= 4096, "\(name) has \(size) bytes")
            }

            // A read from 0 starts at the oldest byte kept, and says where.
            let all = try await wharf.api.request("GET", Self.logs(task, "offset=0"), accept: "*/*")
            #expect(all.status == 200)
            let start = try #require(all.header("X-Wharf-Log-Start").flatMap(Int.init))
            #expect(start > 0 && start < expected.count - 8192, "start \(start)")
            #expect(all.header("X-Wharf-Log-Size") == String(expected.count))
            #expect(Array(all.body) == Array(expected[start...]))
            #expect(all.header("Content-Type")?.hasPrefix("text/plain") == true)

            // Resume at any offset still kept: exactly the bytes from there.
            let middle = start + 1234
            let resumed = try await wharf.api.request("GET", Self.logs(task, "offset=\(middle)"), accept: "*/*")
            #expect(resumed.header("X-Wharf-Log-Start") == String(middle))
            #expect(Array(resumed.body) == Array(expected[middle...]))

            let tail = try await wharf.api.request("GET", Self.logs(task, "tail=3"), accept: "*/*")
            #expect(tail.text == Self.lines(2998...3000))

            // Mesos' /files/read: -1 gives the size; a read gives bytes from the offset.
            let size = try await wharf.api.get("/files/read?path=/sandbox/\(task)/stdout&offset=-1")
            #expect(size.json["offset"]?.int == expected.count, "\(size)")
            #expect(size.json["data"]?.string == "")
            let piece = try await wharf.api.get("/files/read?path=\(sandbox)/\(task)/stdout&offset=\(middle)&length=20")
            #expect(piece.json["data"]?.string == String(decoding: expected[middle..<middle + 20], as: UTF8.self), "\(piece)")
            #expect(piece.json["offset"]?.int == middle)
        }
    }

    @Test("an ended task's output stays readable; an event stream ends with an end event and a reconnect gets 204")
    func endedTask() async throws {
        try await withWharf { wharf in
            let app: JSON = ["id": "/once", "instances": 1, "cpus": 0.1, "mem": 32, "backoffSeconds": 60,
                             "cmd": "echo out-1; echo err-1 >&2; exit 3"]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let failed = try await poll("the first task failed", timeout: .seconds(60)) { () -> String? in
                try await wharf.api.get(MarathonClient.appPath("/once") + "?embed=app.lastTaskFailure")
                    .json["app"]?["lastTaskFailure"]?["taskId"]?.string
            }
            let stdout = try await wharf.api.request("GET", Self.logs(failed), accept: "*/*")
            #expect(stdout.text == "out-1\n", "\(stdout)")
            #expect(stdout.header("X-Wharf-Task-Ended") == "true")
            let stderr = try await wharf.api.request("GET", Self.logs(failed, "stream=stderr"), accept: "*/*")
            #expect(stderr.text == "err-1\n", "\(stderr)")

            // Written within the last hour, and nothing in the last 0 seconds... a few seconds later.
            #expect(try await wharf.api.request("GET", Self.logs(failed, "since=1h"), accept: "*/*").text == "out-1\n")
            try await Task.sleep(for: .seconds(2))
            #expect(try await wharf.api.request("GET", Self.logs(failed, "since=0s"), accept: "*/*").text == "")

            let events = StreamingRead(wharf.api.baseURL + Self.logs(failed, "follow=true"),
                                       headers: [("Accept", "text/event-stream")])
            defer { events.close() }
            try await events.waitForEnd()
            #expect(events.header("Content-Type") == "text/event-stream")
            #expect(events.text == "id: 6\ndata: out-1\ndata: \n\n"
                + "event: end\nid: 6\ndata: {\"offset\":6,\"reason\":\"the task ended\"}\n\n", "\(events.text.debugDescription)")
            let again = try await wharf.api.request("GET", Self.logs(failed, "follow=true"), accept: "text/event-stream",
                                                    headers: [("Last-Event-ID", "6")])
            #expect(again.status == 204, "\(again)")
        }
    }

    @Test("a follow of a running task ends with its last output when the task is killed")
    func followEndsWithTheTask() async throws {
        try await withWharf { wharf in
            let app: JSON = ["id": "/trapper", "instances": 1, "cpus": 0.1, "mem": 32,
                             "cmd": "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 0.1; done"]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let task = try #require(try await wharf.api.waitForRunning("/trapper", count: 1).first?["id"]?.string)
            let events = StreamingRead(wharf.api.baseURL + Self.logs(task, "follow=true"),
                                       headers: [("Accept", "text/event-stream")])
            defer { events.close() }
            try await events.waitFor("data: ready")
            #expect(!events.isEnded)
            #expect(try await wharf.api.delete(MarathonClient.appPath("/trapper")).status == 200)
            try await events.waitForEnd()
            #expect(events.text.contains("data: bye\n"), "\(events.text.debugDescription)")
            #expect(events.text.hasSuffix("event: end\nid: 10\ndata: {\"offset\":10,\"reason\":\"the task ended\"}\n\n"),
                    "\(events.text.debugDescription)")
        }
    }

    @Test("40 followers of one task (plain and SSE) each get every byte, and all end with the task")
    func manyFollowers() async throws {
        try await withWharf { wharf in
            #expect(try await wharf.api.post("/v2/apps", Self.printer("/popular", lines: 2000)).status == 201)
            let task = try #require(try await wharf.api.waitForRunning("/popular", count: 1).first?["id"]?.string)
            let plain = (0..<20).map { _ in StreamingRead(wharf.api.baseURL + Self.logs(task, "follow=true")) }
            let events = (0..<20).map { _ in
                StreamingRead(wharf.api.baseURL + Self.logs(task, "follow=true"), headers: [("Accept", "text/event-stream")])
            }
            defer { (plain + events).forEach { $0.close() } }
            try await waitUntil("every follow has started") { (plain + events).allSatisfy { $0.status == 200 } }
            #expect(FileManager.default.createFile(atPath: Self.sandbox(wharf, app: "popular", taskId: task) + "/go", contents: nil))
            let expected = Self.lines(1...2000)
            for follow in plain { try await follow.waitFor("line 2000\n", timeout: .seconds(60)) }
            for follow in plain { #expect(follow.text == expected) }
            for follow in events {
                try await follow.waitFor("data: line 2000\n", timeout: .seconds(60))
                let data = follow.text.split(separator: "\n\n").flatMap { event in
                    event.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { $0.dropFirst(6) }
                }
                // Each event's lines end with an empty data line (its trailing newline).
                #expect(data.filter { !$0.isEmpty }.joined(separator: "\n") + "\n" == expected)
            }
            #expect(try await wharf.api.delete(MarathonClient.appPath("/popular")).status == 200)
            for follow in plain + events { try await follow.waitForEnd() }
            #expect(events.allSatisfy { $0.text.contains("event: end\n") })
        }
    }

    @Test("kill -9 of wharf: what the task printed meanwhile is kept, offsets continue, the follow resumes")
    func survivesKillNine() async throws {
        try await withWharf { wharf in
            let app: JSON = ["id": "/counter", "instances": 1, "cpus": 0.1, "mem": 32,
                             "cmd": "i=0; while true; do i=$((i+1)); echo n $i; sleep 0.01; done"]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let task = try #require(try await wharf.api.waitForRunning("/counter", count: 1).first?["id"]?.string)
            let before = try await poll("some output") { () -> Int? in
                let count = try await wharf.api.request("GET", Self.logs(task), accept: "*/*").text.split(separator: "\n").count
                return count >= 20 ? count : nil
            }
            try await wharf.kill9()
            try await Task.sleep(for: .seconds(1))
            try await wharf.restart()
            let numbers = try await poll("output well past the restart") { () -> [Int]? in
                let text = try await wharf.api.request("GET", Self.logs(task), accept: "*/*").text
                let numbers = text.split(separator: "\n").compactMap { Int($0.dropFirst(2)) }
                return numbers.count > before + 150 ? numbers : nil
            }
            #expect(numbers == Array(1...numbers.count), "a gap or a repeat in \(numbers.count) lines")
            #expect(wharf.liveTaskIds(app: "/counter") == [task], "the task was not re-adopted")
        }
    }

    @Test("bad requests: unknown task 404, invalid tail/offset/stream/since 400 naming the parameter, /files/read errors")
    func badRequests() async throws {
        try await withWharf { wharf in
            let unknown = try await wharf.api.get(Self.logs("nope.instance-00000000-0000-0000-0000-000000000000._app.1"))
            #expect(unknown.status == 404)
            #expect(unknown.json["message"]?.string == "Task 'nope.instance-00000000-0000-0000-0000-000000000000._app.1' does not exist")
            #expect(try await wharf.api.get("/v2/tasks/..%2F..%2Fetc/logs").status == 404)
            #expect(try await wharf.api.get("/v2/tasks/not-a-task/logs").status == 404)

            let app: JSON = ["id": "/quiet", "instances": 1, "cpus": 0.1, "mem": 32, "cmd": "sleep 600"]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let task = try #require(try await wharf.api.waitForRunning("/quiet", count: 1).first?["id"]?.string)
            for (query, parameter) in [("tail=-1", "'tail'"), ("tail=x", "'tail'"), ("tail=100001", "'tail'"),
                                       ("offset=-5", "'offset'"), ("offset=abc", "'offset'"), ("stream=stdin", "'stream'"),
                                       ("since=yesterday", "'since'"), ("tail=1&offset=0", "'tail'")] {
                let answer = try await wharf.api.get(Self.logs(task, query))
                #expect(answer.status == 400, "\(query): \(answer)")
                #expect(answer.json["message"]?.string?.contains(parameter) == true, "\(query): \(answer)")
            }
            let badResume = try await wharf.api.request("GET", Self.logs(task, "follow=true"), accept: "text/event-stream",
                                                        headers: [("Last-Event-ID", "x")])
            #expect(badResume.status == 400 && badResume.json["message"]?.string?.contains("Last-Event-ID") == true, "\(badResume)")

            let noPath = try await wharf.api.get("/files/read")
            #expect(noPath.status == 400 && noPath.json["message"]?.string == "Expecting 'path=value' in query.", "\(noPath)")
            let negative = try await wharf.api.get("/files/read?path=/\(task)/stdout&offset=-2")
            #expect(negative.status == 400 && negative.json["message"]?.string == "Negative offset provided", "\(negative)")
            #expect(try await wharf.api.get("/files/read?path=/\(task)/secrets").status == 404)
            // Nothing changed: the app still runs its one task.
            #expect(try await wharf.api.runningTasks(of: "/quiet").count == 1)
        }
    }

    @Test("a full disk: the task runs on, the failure and the recovery are each said once (event), logging resumes",
          .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func diskFull() async throws {
        try await withWharf { wharf in
            // The app's sandboxes live on a 256 KiB tmpfs, most of it taken by a filler file.
            let appDir = wharf.dataDir + "/sandboxes/diskfull"
            try FileManager.default.createDirectory(atPath: appDir, withIntermediateDirectories: true)
            let mount = try await runCommand("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", appDir])
            try #require(mount.exitCode == 0, "\(mount)")
            do {
                try await fillTheDisk(wharf, appDir: appDir)
            } catch {
                _ = try? await runCommand("/bin/umount", ["-l", appDir])
                throw error
            }
            _ = try await runCommand("/bin/umount", ["-l", appDir])
        }
    }

    private func fillTheDisk(_ wharf: WharfProcess, appDir: String) async throws {
        do {
            #expect(FileManager.default.createFile(atPath: appDir + "/filler", contents: Data(count: 160 * 1024)))

            let events = EventStream(wharf.api, eventTypes: ["task_output_event", "event_stream_attached"])
            defer { events.close() }
            try await events.waitUntilAttached()
            let app: JSON = ["id": "/diskfull", "instances": 1, "cpus": 0.1, "mem": 32,
                             "cmd": "i=0; while true; do i=$((i+1)); printf '%s %0900d\\n' $i 0; sleep 0.005; done"]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let task = try #require(try await wharf.api.waitForRunning("/diskfull", count: 1).first?["id"]?.string)

            let failed = try await events.waitFor("writing failed") { $0.payload["writing"]?.bool == false }
            #expect(failed.payload["taskId"]?.string == task)
            #expect(failed.payload["appId"]?.string == "/diskfull")
            #expect(failed.payload["stream"]?.string == "stdout")
            #expect(failed.payload["message"]?.string?.contains("No space left") == true, "\(failed.payload)")
            func lastNumber() async throws -> Int {
                let text = try await wharf.api.request("GET", Self.logs(task, "tail=1"), accept: "*/*").text
                return Int(text.split(separator: " ").first ?? "") ?? 0
            }
            let stuck = try await lastNumber()
            // The task is not held up by the full disk: it runs on (and the failure is said once).
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await wharf.api.runningTasks(of: "/diskfull").first?["id"]?.string == task)
            #expect(wharf.liveTaskIds(app: "/diskfull") == [task])
            #expect(events.events(ofType: "task_output_event").count == 1)
            let samples = try await MetricsEndpointTests.scrape(wharf).samples
            #expect(ExpositionSample.value("wharf_agent_task_output_write_failures_total", in: samples) == 1)
            #expect((ExpositionSample.value("wharf_agent_task_output_dropped_bytes_total", in: samples) ?? 0) > 0)

            try FileManager.default.removeItem(atPath: appDir + "/filler")
            let resumed = try await events.waitFor("writing works again") { $0.payload["writing"]?.bool == true }
            #expect(resumed.payload["taskId"]?.string == task)
            try await waitUntil("output after the gap is kept") { try await lastNumber() > stuck + 20 }
            #expect(try await wharf.api.delete(MarathonClient.appPath("/diskfull")).status == 200)
            try await waitUntil("the task is gone") { wharf.liveTaskIds(app: "/diskfull").isEmpty }
        }
    }
}

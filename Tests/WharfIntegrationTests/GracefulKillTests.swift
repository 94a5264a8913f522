import Foundation
import Testing

/// Graceful kills: TASK_KILLING at once, the drain delay (`--kill-drain`), SIGTERM, and SIGKILL only
/// after taskKillGracePeriodSeconds.
@Suite("Graceful kills", .timeLimit(.minutes(15)))
struct GracefulKillTests {
    /// A shell task that writes the time (epoch seconds) SIGTERM arrived to `$TERM_DIR/$MESOS_TASK_ID`,
    /// then exits (`exitOnTerm`) or ignores it.
    static func termRecorder(_ id: String, termDir: String, exitOnTerm: Bool, gracePeriod: Int) -> JSON {
        let onTerm = #"date +%s.%N > "$TERM_DIR/$MESOS_TASK_ID""# + (exitOnTerm ? "; exit 0" : "")
        return ["id": .string(id), "cmd": .string("trap '\(onTerm)' TERM; while :; do sleep 0.05; done"),
                "instances": 1, "cpus": 0.05, "mem": 16, "env": ["TERM_DIR": .string(termDir)],
                "taskKillGracePeriodSeconds": .number(Double(gracePeriod))]
    }

    @Test("scale to 0 with --kill-drain 1: TASK_KILLING at once, SIGTERM ≥ 1 s later; a task ignoring SIGTERM dies after its grace period")
    func drainThenTermThenKill() async throws {
        try await withWharf(["--kill-drain", "1"]) { wharf in
            let termDir = wharf.dataDir + "/term-times"
            try FileManager.default.createDirectory(atPath: termDir, withIntermediateDirectories: true)
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "status_update_event"])
            defer { events.close() }
            try await events.waitUntilAttached()

            for app in [Self.termRecorder("/polite", termDir: termDir, exitOnTerm: true, gracePeriod: 10),
                        Self.termRecorder("/stubborn", termDir: termDir, exitOnTerm: false, gracePeriod: 2)] {
                let created = try await wharf.api.post("/v2/apps", app)
                #expect(created.status == 201, "\(created)")
            }
            let polite = try #require(try await wharf.api.waitForRunning("/polite", count: 1).first?["id"]?.string)
            let stubborn = try #require(try await wharf.api.waitForRunning("/stubborn", count: 1).first?["id"]?.string)

            // Scaling to 0 shows TASK_KILLING at once in the API, while the process still runs (draining).
            for (id, taskId) in [("/polite", polite), ("/stubborn", stubborn)] {
                let scaled = try await wharf.api.put(MarathonClient.appPath(id), ["instances": 0])
                #expect(scaled.status == 200, "\(scaled)")
                try await waitUntil("\(taskId) shows TASK_KILLING", timeout: .seconds(5), every: .milliseconds(20)) {
                    try await wharf.api.tasks(of: id).first?["state"]?.string == "TASK_KILLING"
                }
                #expect(wharf.liveTaskIds(app: id) == [taskId], "\(id)'s process died before its drain delay")
            }

            func timestamp(_ taskId: String, _ state: String) async throws -> Date {
                try await poll("\(state) of \(taskId)", timeout: .seconds(30)) {
                    events.events(ofType: "status_update_event").first {
                        $0.payload["taskId"]?.string == taskId && $0.payload["taskStatus"]?.string == state
                    }.flatMap { parseTimestamp($0.payload["timestamp"]?.string) }
                }
            }
            func termTime(_ taskId: String) async throws -> Date {
                try await poll("SIGTERM time of \(taskId)", timeout: .seconds(30)) {
                    (try? String(contentsOfFile: termDir + "/" + taskId, encoding: .utf8))
                        .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                        .map { Date(timeIntervalSince1970: $0) }
                }
            }

            // Polite: drain, SIGTERM, it exits.
            let politeKilling = try await timestamp(polite, "TASK_KILLING")
            let politeTerm = try await termTime(polite)
            let politeKilled = try await timestamp(polite, "TASK_KILLED")
            #expect(politeTerm.timeIntervalSince(politeKilling) >= 0.9, "SIGTERM \(politeTerm.timeIntervalSince(politeKilling)) s after TASK_KILLING, drain is 1 s")
            #expect(politeKilled >= politeTerm.addingTimeInterval(-0.05), "TASK_KILLED before SIGTERM")
            #expect(politeKilled.timeIntervalSince(politeTerm) < 5, "an exiting task was held \(politeKilled.timeIntervalSince(politeTerm)) s")

            // Stubborn: SIGTERM is ignored; SIGKILL after taskKillGracePeriodSeconds 2.
            let stubbornKilling = try await timestamp(stubborn, "TASK_KILLING")
            let stubbornTerm = try await termTime(stubborn)
            #expect(stubbornTerm.timeIntervalSince(stubbornKilling) >= 0.9, "SIGTERM \(stubbornTerm.timeIntervalSince(stubbornKilling)) s after TASK_KILLING")
            let stubbornKilled = try await timestamp(stubborn, "TASK_KILLED")
            #expect(stubbornKilled.timeIntervalSince(stubbornTerm) >= 1.8, "SIGKILL \(stubbornKilled.timeIntervalSince(stubbornTerm)) s after SIGTERM, grace is 2 s")
            try await waitUntil("no process of either app is left", timeout: .seconds(15)) {
                wharf.liveTaskIds(app: "/polite").isEmpty && wharf.liveTaskIds(app: "/stubborn").isEmpty
            }
        }
    }
}

import Foundation
import Logging
import Testing
import WharfStore

/// State written by a wharf this binary cannot read — a newer schema version, or a damaged record —
/// never gets a task killed: wharf refuses to start naming the record, or leaves what it describes
/// alone and says why.
@Suite("Unreadable records", .timeLimit(.minutes(15)))
struct RecordVersionTests {
    @Test("an app record of a newer schema: wharf refuses to start naming it, tasks keep running, the restored record brings them back")
    func newerAppRecordStopsTheStart() async throws {
        try await withWharf { wharf in
            let (before, pids) = try await Self.runningSleepers(wharf, "/keeper", count: 2)
            try await wharf.kill9()

            let original = try await StoredRecords.rewrite("apps/keeper", in: wharf.dataDir) { $0["schemaVersion"] = 7 }
            var refusal = ""
            do {
                try await wharf.launch()
                Issue.record("wharf dev started on a record of schema version 7")
            } catch {
                refusal = "\(error)"
            }
            #expect(refusal.contains("wharf dev exited"), "\(refusal)")
            #expect(refusal.contains("record apps/keeper has schema version 7; this wharf reads up to 2"), "\(refusal)")
            #expect(!wharf.isRunning)
            for pid in pids { #expect(ProcessTable.isAlive(pid), "task process \(pid) died when wharf refused to start") }

            // The record as this wharf wrote it: the next start re-adopts the same processes.
            try await StoredRecords.put("apps/keeper", original, in: wharf.dataDir)
            try await wharf.launch()
            let after = taskIds(try await wharf.api.waitForRunning("/keeper", count: 2, timeout: .seconds(120)))
            #expect(after == before, "the tasks should be re-adopted, not replaced")
            for pid in pids { #expect(ProcessTable.isAlive(pid), "task process \(pid) was restarted or killed") }
        }
    }

    @Test("a damaged app record: wharf starts with the app quarantined, its tasks live through reconcile passes, DELETE ?force=true removes it")
    func damagedAppRecordIsQuarantined() async throws {
        try await withWharf { wharf in
            let (before, pids) = try await Self.runningSleepers(wharf, "/frozen", count: 2)
            _ = await wharf.terminate()

            try await StoredRecords.put("apps/frozen", Data(#"{"app": {"id": "/frozen", "cmd": "#.utf8), in: wharf.dataDir)
            try await wharf.launch()

            let shown = try await wharf.api.get(MarathonClient.appPath("/frozen"))
            #expect(shown.status == 503, "\(shown)")
            #expect(shown.json["message"]?.string?.contains("apps/frozen") == true, "\(shown)")
            let restart = try await wharf.api.post(MarathonClient.appPath("/frozen", "/restart"))
            #expect(restart.status == 503, "\(restart)")
            let info = try await wharf.api.get("/v2/info")
            #expect(info.json["buildref"]?.string?.contains("quarantined apps: /frozen") == true, "\(info)")

            try await Self.expectAliveThroughReconcilePasses(wharf, pids)
            #expect(wharf.liveTaskIds(app: "/frozen") == before, "tasks of the quarantined app were replaced")
            let listed = taskIds(try await wharf.api.get("/v2/tasks").json["tasks"]?.array ?? [])
            #expect(before.isSubset(of: listed), "the quarantined app's tasks should still be listed")

            let update = try await wharf.api.put(MarathonClient.appPath("/frozen"), Fixtures.sleeper("/frozen", instances: 3))
            #expect(update.status == 409, "\(update)")
            #expect(update.json["message"]?.string?.contains("apps/frozen") == true, "\(update)")

            let removed = try await wharf.api.delete(MarathonClient.appPath("/frozen") + "?force=true")
            #expect(removed.status == 200, "\(removed)")
            try await waitUntil("the removed app's processes are gone", timeout: .seconds(30)) {
                pids.allSatisfy { !ProcessTable.isAlive($0) }
            }
            let gone = try await wharf.api.get(MarathonClient.appPath("/frozen"))
            #expect(gone.status == 404, "\(gone)")
        }
    }

    @Test("an agent task record of a newer schema: kept aside, the task is neither killed nor replaced, and adopted again once readable")
    func newerTaskRecordIsKeptAside() async throws {
        try await withWharf { wharf in
            let (before, pids) = try await Self.runningSleepers(wharf, "/aside", count: 1)
            let pid = try #require(pids.first)
            _ = await wharf.terminate()

            let records = wharf.dataDir + "/agent/tasks"
            let name = try #require(try FileManager.default.contentsOfDirectory(atPath: records).first { $0.hasSuffix(".json") })
            try StoredRecords.rewriteFile(records + "/" + name) { $0["schemaVersion"] = 7 }
            try await wharf.launch()

            let quarantined = wharf.dataDir + "/agent/tasks-quarantine/" + name
            try await waitUntil("the task is reported TASK_UNREACHABLE") {
                let tasks = try await wharf.api.get("/v2/tasks").json["tasks"]?.array ?? []
                return tasks.contains { before.contains($0["id"]?.string ?? "") && $0["state"]?.string == "TASK_UNREACHABLE" }
            }
            #expect(FileManager.default.fileExists(atPath: quarantined), "the unreadable record should be kept aside")
            #expect(!FileManager.default.fileExists(atPath: records + "/" + name))

            try await Self.expectAliveThroughReconcilePasses(wharf, pids)
            #expect(wharf.liveTaskIds(app: "/aside") == before, "the task was replaced")
            let tasks = try await wharf.api.get(MarathonClient.appPath("/aside", "/tasks")).json["tasks"]?.array ?? []
            #expect(taskIds(tasks) == before, "\(tasks)")

            // What an upgrade to a wharf that reads the record does: it is moved back and adopted.
            _ = await wharf.terminate()
            try StoredRecords.rewriteFile(quarantined) { $0["schemaVersion"] = 2 }
            try await wharf.launch()
            let after = taskIds(try await wharf.api.waitForRunning("/aside", count: 1, timeout: .seconds(120)))
            #expect(after == before)
            #expect(ProcessTable.isAlive(pid), "the re-adopted task's process was restarted")
            #expect(FileManager.default.fileExists(atPath: records + "/" + name))
        }
    }
}

extension RecordVersionTests {
    /// Deploys `count` sleepers as `id` and waits until they run; their task ids and pids.
    static func runningSleepers(_ wharf: WharfProcess, _ id: String, count: Int) async throws -> (Set<String>, Set<Int32>) {
        _ = try await wharf.api.post("/v2/apps", Fixtures.sleeper(id, instances: count))
        let tasks = taskIds(try await wharf.api.waitForRunning(id, count: count))
        try await waitUntil("\(count) task processes of \(id) run") { wharf.liveTaskIds(app: id) == tasks }
        return (tasks, Set(wharf.taskProcesses.filter { $0.appId == id }.map(\.pid)))
    }

    /// Checks that every process in `pids` lives through reconcile passes that saw it: a new app is
    /// launched (a launch needs the agent's report applied and a pass run, which decides kills before
    /// launches), then two resync periods (5 s each) more are watched.
    static func expectAliveThroughReconcilePasses(_ wharf: WharfProcess, _ pids: Set<Int32>,
                                                  sourceLocation: SourceLocation = #_sourceLocation) async throws {
        _ = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/canary"))
        try await wharf.api.waitForRunning("/canary", count: 1)
        let sampler = Sampler(every: .milliseconds(200)) { Set(pids.filter { ProcessTable.isAlive($0) }) }
        try await Task.sleep(for: .seconds(11))
        let samples = await sampler.stop()
        #expect(!samples.isEmpty && samples.allSatisfy { $0 == pids },
                "task processes died: \(pids.subtracting(samples.last ?? []))", sourceLocation: sourceLocation)
    }
}

/// Reads and writes records in a stopped wharf's data dir, as another wharf version would have.
enum StoredRecords {
    private static let logger = Logger(label: "test.records") { _ in SwiftLogNoOpLogHandler() }

    /// Writes `value` under `key` in `<dataDir>/state.db`.
    static func put(_ key: String, _ value: Data, in dataDir: String) async throws {
        let store = try await SQLiteStore.open(path: dataDir + "/state.db", logger: logger)
        do {
            try await store.put(key, value)
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
    }

    /// Changes the JSON object under `key` with `edit`; returns the bytes it had.
    static func rewrite(_ key: String, in dataDir: String, _ edit: (inout [String: Any]) -> Void) async throws -> Data {
        let store = try await SQLiteStore.open(path: dataDir + "/state.db", logger: logger)
        let original: Data
        do {
            guard let record = try await store.get(key) else { throw HarnessError("no record \(key) in \(dataDir)") }
            original = record.value
            try await store.put(key, try edited(original, edit))
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
        return original
    }

    /// Changes the JSON object in the file at `path` with `edit`.
    static func rewriteFile(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw HarnessError("cannot read \(path)") }
        try edited(data, edit).write(to: URL(fileURLWithPath: path))
    }

    private static func edited(_ data: Data, _ edit: (inout [String: Any]) -> Void) throws -> Data {
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }
}

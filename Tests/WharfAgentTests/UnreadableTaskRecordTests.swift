import Foundation
import Glibc
import Testing
@testable import WharfAgent
import WharfModel

/// A task record the agent cannot read is kept aside and its task left alone — never killed as an
/// orphan — until a wharf that reads it adopts the task again.
@Suite("Unreadable task records", .timeLimit(.minutes(3)))
struct UnreadableTaskRecordTests {
    /// Starts a `sleep` task on a first agent and shuts that agent down (the task keeps running).
    static func runningTask(in dir: TemporaryDirectory) async throws -> (launch: LaunchTask, pid: Int32, path: String) {
        let (agent, log) = await startAgent(dataDir: dir.path)
        let launch = makeLaunch(makeApp(cmd: "sleep 1000"))
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.states(launch.instance.id) == [.running] })
        let pid = try #require(readRecord(dataDir: dir.path, instanceId: launch.instance.id)?.handle.pid)
        await agent.shutdown()
        return (launch, pid, "\(dir.path)/agent/tasks/\(launch.instance.id).json")
    }

    /// Launches `launches` on `agent`, waits until each runs, and returns their recorded handles.
    static func launchRunning(_ launches: [LaunchTask], on agent: Agent, log: ReportLog, dataDir: String) async throws -> [TaskHandle] {
        var handles: [TaskHandle] = []
        for launch in launches {
            await agent.handle(.launch(launch))
            #expect(await eventually { await log.states(launch.instance.id) == [.running] })
            handles.append(try #require(readRecord(dataDir: dataDir, instanceId: launch.instance.id)?.handle))
        }
        return handles
    }

    static func edit(_ path: String, _ change: (inout [String: Any]) -> Void) throws {
        let data = try #require(FileManager.default.contents(atPath: path))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    @Test("a record of a newer schema: moved aside, task reported unreachable and not killed, adopted once readable")
    func newerRecordIsKeptAsideAndAdoptedLater() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (launch, pid, path) = try await Self.runningTask(in: dir)
        defer { kill(-pid, SIGKILL) }
        try Self.edit(path) { $0["schemaVersion"] = 7 }
        let newer = try #require(FileManager.default.contents(atPath: path))

        let (second, log) = await startAgent(dataDir: dir.path)
        #expect(await eventually { await log.fullStates().count == 1 })
        let status = try #require(await log.fullStates().first?.first)
        #expect(status.instanceId == launch.instance.id)
        #expect(status.state == .unreachable)
        #expect(status.message?.contains("schema version 7; this wharf reads up to 2") == true, "\(status.message ?? "")")
        let aside = "\(dir.path)/agent/tasks-quarantine/\(launch.instance.id).json"
        #expect(FileManager.default.contents(atPath: aside) == newer, "the record should be kept aside unchanged")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(isAlive(pid), "the start-up sweep killed the task of an unreadable record")

        // A kill cannot be carried out without the record: the task stays, and says why.
        await second.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 1, reason: "scale down")))
        #expect(await eventually { await log.statuses(launch.instance.id).last?.state == .unreachable })
        #expect(isAlive(pid))
        await second.shutdown()

        // After an upgrade the record reads: it goes back and the very process is adopted.
        try Self.edit(aside) { $0["schemaVersion"] = 2 }
        let (third, thirdLog) = await startAgent(dataDir: dir.path)
        #expect(await eventually { await thirdLog.fullStates().count == 1 })
        #expect(await thirdLog.fullStates().first?.first?.state == .running)
        #expect(readRecord(dataDir: dir.path, instanceId: launch.instance.id)?.handle.pid == pid)
        #expect(!FileManager.default.fileExists(atPath: aside))
        await third.handle(.kill(KillTask(instanceId: launch.instance.id, gracePeriodSeconds: 5, reason: "done")))
        #expect(await eventually { await thirdLog.terminal(launch.instance.id)?.state == .killed })
        #expect(await eventually { !isAlive(pid) })
        await third.shutdown()
    }

    @Test("a damaged record spares its task; a task with no record at all is still swept")
    func damagedRecordSparesItsTaskOnly() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (first, firstLog) = await startAgent(dataDir: dir.path)
        let damaged = makeLaunch(makeApp("damaged", cmd: "sleep 1000"))
        let orphan = makeLaunch(makeApp("orphan", cmd: "sleep 1000"))
        let handles = try await Self.launchRunning([damaged, orphan], on: first, log: firstLog, dataDir: dir.path)
        let (damagedPid, orphanPid) = (try #require(handles[0].pid), try #require(handles[1].pid))
        defer { kill(-damagedPid, SIGKILL); kill(-orphanPid, SIGKILL) }
        await first.shutdown()
        let damagedPath = "\(dir.path)/agent/tasks/\(damaged.instance.id).json"
        try Data(#"{"instanceId": "\#(damaged.instance.id)", "handle": {"pid": \#(damagedPid)"#.utf8)
            .write(to: URL(fileURLWithPath: damagedPath))
        try FileManager.default.removeItem(atPath: "\(dir.path)/agent/tasks/\(orphan.instance.id).json")

        let (second, log) = await startAgent(dataDir: dir.path)
        #expect(await eventually { await log.fullStates().count == 1 })
        let statuses = try #require(await log.fullStates().first)
        #expect(statuses.map(\.instanceId) == [damaged.instance.id])
        #expect(statuses.first?.state == .unreachable)
        #expect(statuses.first?.message?.contains("not valid JSON") == true, "\(statuses.first?.message ?? "")")
        #expect(await eventually { !isAlive(orphanPid) }, "the unrecorded task should be swept")
        #expect(isAlive(damagedPid), "the task of the damaged record was killed")
        #expect(FileManager.default.fileExists(atPath: "\(dir.path)/agent/tasks-quarantine/\(damaged.instance.id).json"))
        await second.shutdown()
    }

    @Test("a record as wharf wrote it before record versions reads unchanged")
    func unversionedRecordReads() throws {
        for fixture in [TaskRecordFixturesV1.running, TaskRecordFixturesV1.killing] {
            let record = try RecordSchema.decode(TaskRecord.self, from: Data(fixture.utf8))
            let legacy = try JSONDecoder().decode(TaskRecord.self, from: Data(fixture.utf8))
            #expect(record == legacy)
            let rewritten = try RecordSchema.encode(record)
            let object = try #require(try JSONSerialization.jsonObject(with: rewritten) as? [String: Any])
            #expect(object["schemaVersion"] as? Int == RecordSchema.current)
            // Written again, the record reads as the same task (the codecs of the app parts it embeds
            // may spell defaults differently than the Wharf that wrote the fixture).
            #expect(try RecordSchema.decode(TaskRecord.self, from: rewritten) == record)
        }
        #expect(try RecordSchema.decode(TaskRecord.self, from: Data(TaskRecordFixturesV1.running.utf8)).checks != nil)
        #expect(try RecordSchema.decode(TaskRecord.self, from: Data(TaskRecordFixturesV1.killing.utf8)).kill?.reason == "scaling down")
    }
}

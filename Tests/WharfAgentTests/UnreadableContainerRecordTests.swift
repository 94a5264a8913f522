import Foundation
import Testing
@testable import WharfAgent
import WharfModel

/// The container of a task whose record cannot be read survives the agent's start-up sweep of
/// unknown containers; a container no record names at all does not.
@Suite("Unreadable task records of containers", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: DockerAvailability.isAvailable, "no Docker engine at /var/run/docker.sock"))
struct UnreadableContainerRecordTests {
    init() throws {
        try ensureTestImage()
    }

    @Test("a container task with a record of a newer schema is kept; an unrecorded one is removed")
    func containerOfUnreadableRecordIsKept() async throws {
        let dir = TemporaryDirectory()
        defer { removeTestContainers(dataDir: dir.path); dir.cleanUp() }
        let (first, firstLog) = await startDockerAgent(dataDir: dir.path)
        let kept = makeLaunch(makeDockerApp("kept", cmd: "sleep 1000"))
        let unrecorded = makeLaunch(makeDockerApp("unrecorded", cmd: "sleep 1000"))
        let handles = try await UnreadableTaskRecordTests.launchRunning([kept, unrecorded], on: first, log: firstLog, dataDir: dir.path)
        let keptContainer = try #require(handles[0].containerId)
        let unrecordedContainer = try #require(handles[1].containerId)
        await first.shutdown()
        try UnreadableTaskRecordTests.edit("\(dir.path)/agent/tasks/\(kept.instance.id).json") { $0["schemaVersion"] = 9 }
        try FileManager.default.removeItem(atPath: "\(dir.path)/agent/tasks/\(unrecorded.instance.id).json")

        let (second, log) = await startDockerAgent(dataDir: dir.path)
        #expect(await eventually { await log.fullStates().count == 1 })
        #expect(await log.fullStates().first?.map(\.state) == [.unreachable])
        #expect(dockerCLI(["inspect", "-f", "{{.State.Running}}", keptContainer]).output == "true",
                "the container of the unreadable record was removed")
        #expect(dockerCLI(["inspect", unrecordedContainer]).status != 0, "the unrecorded container should be swept")
        await second.shutdown()
    }
}

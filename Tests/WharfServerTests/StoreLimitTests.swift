import Foundation
import Testing
import WharfModel
import WharfServer
import WharfStore

/// The control plane within a store's limit on operations per transaction (etcd's
/// `--max-txn-ops`): launches, kills and status updates go in batches; a change that cannot be made
/// in one transaction is refused whole.
@Suite("Control plane: store transaction limits", .timeLimit(.minutes(3)))
struct StoreLimitTests {
    @Test("scaling to many more instances than a transaction takes launches them all, batch by batch, and scales back down")
    func launchesAndKillsInBatches() async throws {
        let store = MemoryStore(maxOperationsPerTransaction: 8)
        let h = try await ControlPlaneHarness.start(store: store, agents: 3, capacity: Resources(cpus: 100, mem: 100_000, disk: 100_000))
        defer { Task { await h.stop() } }
        var app = sleepApp("/many", instances: 50, cpus: 0.01)
        app.mem = 1
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil(timeout: 30, "50 instances run") { await h.settled(app.id, running: 50) }
        // Every instance is recorded in the store.
        try await h.waitUntil("50 records stored") { ((try? await store.list(prefix: "instances/")) ?? []).count == 50 }

        app.instances = 3
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        try await h.waitUntil(timeout: 30, "scaled down to 3") { await h.settled(app.id, total: 3) }
        try await h.waitUntil("3 records stored") { ((try? await store.list(prefix: "instances/")) ?? []).count == 3 }
    }

    @Test("a change needing more operations than a transaction takes is refused with 422 and changes nothing")
    func oversizedChangeRefused() async throws {
        let store = MemoryStore(maxOperationsPerTransaction: 8)
        let h = try await ControlPlaneHarness.start(store: store)
        defer { Task { await h.stop() } }
        // Ten apps in one request: two records each, plus the deployment and the root version.
        let apps = Dictionary(uniqueKeysWithValues: (1...10).map { n in
            let app = sleepApp("/group/app\(n)", instances: 0)
            return (app.id, app)
        })
        await #expect(throws: ControlPlaneError.self) {
            try await h.controlPlane.deploy(DeployRequest(apps: apps))
        }
        do {
            _ = try await h.controlPlane.deploy(DeployRequest(apps: apps))
        } catch let error as ControlPlaneError {
            guard case let .unprocessable(message) = error else {
                Issue.record("expected unprocessable, got \(error)")
                return
            }
            #expect(message.contains("--max-txn-ops"))
        }
        #expect(await h.state.apps.isEmpty)
        #expect(try await store.list(prefix: "apps/").isEmpty)
        // A smaller change still goes through.
        let one = sleepApp("/group/app1", instances: 0)
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [one.id: one]))
        #expect(await h.state.apps[one.id] != nil)
    }
}

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` of `wharf dev` at seeded random moments of rolling deployments (the short form of
/// `bench/chaos.py`): after each restart the deployment completes, the instance count converges,
/// no task runs twice and no process is orphaned.
@Suite("Chaos", .timeLimit(.minutes(15)))
struct ChaosTests {
    /// SplitMix64: a small seeded generator, so that a failing round can be replayed
    /// (`WHARF_CHAOS_SEED=<seed>`).
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Duplicates among the live processes under `dataDir`: tasks with more than one process tree,
    /// and instances with more than one live task.
    static func duplicates(under dataDir: String) -> [String] {
        var found: [String] = []
        for (taskId, roots) in ProcessTable.processTreeRoots(under: dataDir) where roots.count > 1 {
            found.append("task \(taskId) has \(roots.count) process trees: \(roots.sorted { $0.pid < $1.pid })")
        }
        let byInstance = Dictionary(grouping: Set(ProcessTable.tasks(under: dataDir).map(\.taskId)), by: instanceId(ofTask:))
        for (instance, tasks) in byInstance where tasks.count > 1 {
            found.append("instance \(instance) has live tasks \(tasks.sorted())")
        }
        return found
    }

    @Test("kill -9 at random moments of 3 rolling restarts of 5 instances: completes, converges, no duplicates or orphans")
    func killNineDuringRollingRestarts() async throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["WHARF_CHAOS_SEED"] ?? "") ?? 20_251_121
        var random = SeededGenerator(state: seed)
        try await withWharf { wharf in
            let appId = "/chaos"
            let app = Fixtures.healthChecked(appId, instances: 5, upgradeStrategy: [
                "minimumHealthCapacity": 0.6, "maximumOverCapacity": 0.2,
            ])
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            try await wharf.api.waitForHealthy(appId, count: 5, timeout: .seconds(60))

            // Duplicates are looked for all the time, also while wharf is down.
            let dataDir = wharf.dataDir
            let duplicateWatch = Sampler(every: .milliseconds(100)) { () -> [String] in Self.duplicates(under: dataDir) }

            var strikesDuringDeployment = 0
            for round in 1...3 {
                let context = "seed \(seed), round \(round)"
                let restarted = try await wharf.api.post(MarathonClient.appPath(appId, "/restart"))
                #expect(restarted.status == 200, "\(context): \(restarted)")
                let deploymentId = try #require(MarathonClient.deploymentId(restarted), "\(context): \(restarted)")
                let version = try #require(restarted.json["version"]?.string, "\(context): \(restarted)")

                // The fault itself (not a synchronisation): strike at a seeded moment of the rollout.
                let delay = Int.random(in: 30...1_500, using: &random)
                try await Task.sleep(for: .milliseconds(delay))
                if try await wharf.api.deploymentIds().contains(deploymentId) { strikesDuringDeployment += 1 }
                try await wharf.kill9()
                try await wharf.restart()

                // The deployment goes on where it was and completes.
                try await wharf.api.waitForDeployment(deploymentId, timeout: .seconds(60))
                let healthy = try await wharf.api.waitForHealthy(appId, count: 5, timeout: .seconds(45))
                for task in healthy {
                    #expect(task["version"]?.string == version, "\(context), killed after \(delay) ms: a task of an old version survived: \(task)")
                }
                try await waitUntil("\(context): live processes are exactly the 5 running tasks", timeout: .seconds(20)) {
                    wharf.liveTaskIds(app: appId) == taskIds(try await wharf.api.runningTasks(of: appId))
                }
                let orphans = try await wharf.unaccountedProcesses()
                #expect(orphans.isEmpty, "\(context): processes the API does not list: \(orphans)")
                let now = Self.duplicates(under: dataDir)
                #expect(now.isEmpty, "\(context): \(now)")
            }
            // The test's own check: the faults did land while deployments ran.
            #expect(strikesDuringDeployment >= 1, "seed \(seed): every kill came after its deployment had finished")
            let seen = await duplicateWatch.stop().flatMap { $0 }
            #expect(Set(seen).isEmpty, "seed \(seed): duplicates seen during the run: \(Set(seen).sorted().prefix(5))")
        }
    }

    @Test("kill -9, a task dies while wharf is down: survivors are re-adopted and checked again, the dead one reported and replaced")
    func readoptionResumesHealthChecks() async throws {
        try await withWharf { wharf in
            let appId = "/adopted"
            let created = try await wharf.api.post("/v2/apps", Fixtures.healthChecked(appId, instances: 3))
            #expect(created.status == 201, "\(created)")
            let before = taskIds(try await wharf.api.waitForHealthy(appId, count: 3))
            try await waitUntil("3 task processes run") { wharf.liveTaskIds(app: appId) == before }
            let victim = try #require(before.sorted().first)
            let survivors = before.subtracting([victim])
            let survivorPids = Set(wharf.taskProcesses.filter { survivors.contains($0.taskId) }.map(\.pid))

            try await wharf.kill9()
            for process in wharf.taskProcesses where process.taskId == victim { kill(process.pid, SIGKILL) }
            try await waitUntil("the victim's processes are gone", timeout: .seconds(10)) {
                !wharf.liveTaskIds(app: appId).contains(victim)
            }
            let restartedAt = Date()
            try await wharf.restart()

            let after = try await poll("3 healthy tasks: the 2 survivors and a replacement", timeout: .seconds(45)) { () -> [JSON]? in
                let healthy = try await wharf.api.healthyTasks(of: appId)
                let ids = taskIds(healthy)
                guard healthy.count == 3, survivors.isSubset(of: ids), !ids.contains(victim) else { return nil }
                // Checked again since the restart, not only remembered from before it.
                let checkedAgain = healthy.allSatisfy { task in
                    (parseTimestamp(task["healthCheckResults"]?[0]?["lastSuccess"]?.string) ?? .distantPast) > restartedAt
                }
                return checkedAgain ? healthy : nil
            }
            #expect(taskIds(after).subtracting(survivors).count == 1)
            for pid in survivorPids {
                #expect(ProcessTable.isAlive(pid), "process \(pid) of a re-adopted task was restarted or killed")
            }
            let failure = try await poll("lastTaskFailure names the task that died while wharf was down", timeout: .seconds(20)) { () -> JSON? in
                guard let failure = try await wharf.api.app(appId)?["lastTaskFailure"],
                      failure["taskId"]?.string == victim
                else { return nil }
                return failure
            }
            #expect(["TASK_FAILED", "TASK_LOST", "TASK_KILLED", "TASK_GONE", "TASK_UNKNOWN"].contains(failure["state"]?.string ?? ""), "\(failure)")
            try await waitUntil("live processes are exactly the running tasks", timeout: .seconds(20)) {
                wharf.liveTaskIds(app: appId) == taskIds(try await wharf.api.runningTasks(of: appId))
            }
        }
    }

    @Test("kill -9 while a never-healthy version waits for its deadline: after restart it still fails, rolls back, old tasks untouched")
    func killNineDuringFailingDeployment() async throws {
        try await withWharf { wharf in
            let appId = "/doomed"
            var app = Fixtures.patientlyChecked(appId, instances: 2)
            app["progressDeadlineSeconds"] = 4
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            let old = taskIds(try await wharf.api.waitForHealthy(appId, count: 2))
            let oldPids = Set(wharf.taskProcesses.filter { old.contains($0.taskId) }.map(\.pid))

            let updated = try await wharf.api.put(MarathonClient.appPath(appId), ["env": ["ALWAYS_SICK": "1"]])
            let deploymentId = try #require(MarathonClient.deploymentId(updated), "\(updated)")
            try await waitUntil("a new, never-healthy instance runs", timeout: .seconds(20)) {
                try await wharf.api.runningTasks(of: appId).contains { !old.contains($0["id"]?.string ?? "") }
            }
            try await wharf.kill9()
            try await wharf.restart()

            // The failed deployment is gone and a rollback restored the definition (events of the
            // failure may have been missed while wharf was down: look at the state).
            try await waitUntil("deployment \(deploymentId) ended and the app is back on its old definition", timeout: .seconds(40)) {
                let app = try await wharf.api.app(appId)
                return try await !wharf.api.deploymentIds().contains(deploymentId)
                    && app?["env"]?["ALWAYS_SICK"] == nil && app?["deployments"]?.array?.isEmpty == true
            }
            let after = try await wharf.api.waitForHealthy(appId, count: 2, timeout: .seconds(20))
            #expect(taskIds(after) == old, "the original instances should be kept: \(taskIds(after))")
            for pid in oldPids { #expect(ProcessTable.isAlive(pid), "process \(pid) of an original instance was restarted") }
            try await waitUntil("the failed version's process is gone", timeout: .seconds(20)) {
                wharf.liveTaskIds(app: appId) == old
            }
        }
    }
}

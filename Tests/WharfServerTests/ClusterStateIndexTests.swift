import Testing
@testable import WharfServer
import WharfModel
import WharfScheduler

/// The counters and indexes `ClusterState` keeps in step with every instance change must equal
/// what counting the instances again gives, whatever the order of changes.
@Suite("Cluster state indexes")
struct ClusterStateIndexTests {
    @Test(arguments: [1, 2, 3])
    func countersEqualARecountAfterRandomChanges(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let apps = ["/a", "/b", "/c"].map { MarathonAPIFixtures.app($0) }
        var state = ClusterState()
        for app in apps { state.setApp(app.id, app) }
        let states: [TaskState] = [.staging, .starting, .running, .running, .unreachable, .killed, .failed]
        let versions = [MarathonAPIFixtures.t0, MarathonAPIFixtures.t0.adding(seconds: 5)]

        for _ in 0..<2_000 {
            let app = apps[Int(random.next() % UInt64(apps.count))]
            var instance = MarathonAPIFixtures.instance(of: app, Int(random.next() % 40))
            if random.next() % 5 == 0 {
                state.removeInstance(instance.id)
                continue
            }
            instance.state = states[Int(random.next() % UInt64(states.count))]
            instance.goal = random.next() % 4 == 0 ? .decommissioned : .running
            instance.configVersion = versions[Int(random.next() % 2)]
            instance.healthy = [true, false, nil][Int(random.next() % 3)]
            instance.agentId = "agent-\(random.next() % 3)"
            state.upsert(instance)
        }

        for app in apps {
            let instances = state.instances(of: app.id)
            #expect(state.progressCounts[app.id] ?? ProgressCounts() == ProgressCounts(instances), "\(app.id)")
            #expect(state.taskCounts[app.id] ?? TaskCounts() == TaskCounts(instances), "\(app.id)")
            for action in [DeploymentAction.Kind.scaleApplication, .restartApplication, .stopApplication] {
                let step = DeploymentAction(action: action, app: app.id)
                #expect(DeploymentPlanner.progress(step, app: app, counts: state.progressCounts[app.id] ?? ProgressCounts())
                    == DeploymentPlanner.progress(step, app: app, instances: instances))
            }
        }
        let recounted = AgentUsage.of(state.instances.values)
        #expect(Set(state.agentUsage.filter { $0.value.instances > 0 }.keys) == Set(recounted.keys))
        for (agent, usage) in recounted {
            let kept = state.agentUsage[agent] ?? AgentUsage()
            #expect(kept.instances == usage.instances && kept.ports == usage.ports, "\(agent)")
            // Sums of doubles in another order: equal up to rounding.
            #expect(abs(kept.resources.cpus - usage.resources.cpus) < 1e-9 && abs(kept.resources.mem - usage.resources.mem) < 1e-9)
        }
    }

    @Test("every change an app listing shows moves appsRevision; a snapshot keeps its own")
    func appsRevisionFollowsWhatListingsShow() {
        let app = MarathonAPIFixtures.app("/a")
        var state = ClusterState()
        var seen: Set<UInt64> = [state.appsRevision]
        func changed(_ what: String, _ change: (inout ClusterState) -> Void) {
            let snapshot = state
            change(&state)
            #expect(seen.insert(state.appsRevision).inserted, "\(what) moves the revision")
            #expect(snapshot.appsRevision != state.appsRevision)
        }
        changed("a definition") { $0.setApp(app.id, app) }
        var instance = MarathonAPIFixtures.instance(of: app, 1, state: .staging)
        changed("a new instance") { $0.upsert(instance) }
        instance.state = .running
        changed("an instance's state") { $0.upsert(instance) }
        changed("a deployment") {
            $0.deployments["d"] = Deployment(id: "d", version: MarathonAPIFixtures.t0, steps: [], currentStep: 0,
                                             original: [:], target: [:])
        }
        changed("a task failure") {
            $0.lastTaskFailures[app.id] = TaskFailure(appId: app.id, host: "h", message: "m", state: .failed, taskId: "t",
                                                      timestamp: MarathonAPIFixtures.t0, version: MarathonAPIFixtures.t0, slaveId: "s")
        }
        changed("a route listener error") { $0.routeListenerErrors[10_000] = "in use" }
        changed("an instance removed") { $0.removeInstance(instance.id) }
        changed("an app removed") { $0.setApp(app.id, nil) }
        let before = state.appsRevision
        state.queue = [:]
        state.agentLastSeen["agent-1"] = MarathonAPIFixtures.t0
        #expect(state.appsRevision == before, "what listings do not show leaves it alone")
    }
}

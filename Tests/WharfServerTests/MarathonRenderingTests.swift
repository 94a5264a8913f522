import Foundation
import Testing
@testable import WharfServer
import WharfModel
import WharfScheduler

@Suite("Marathon API: rendering", .timeLimit(.minutes(3)))
struct MarathonRenderingTests {
    typealias F = MarathonAPIFixtures

    @Test("task JSON: Marathon 1.10's keys (role, localVolumes, servicePorts, healthCheckResults always), no nulls, startedAt only once running")
    func task() throws {
        let app = F.app("/shop/web")
        let running = F.instance(of: app, 1, healthy: true)
        var w = JSONWriter()
        TaskRenderer.write(running, servicePorts: [10_000], role: "*", into: &w)
        let object = try #require(try F.json(w.bytes) as? [String: Any])
        #expect(Set(object.keys).isSubset(of: F.marathonTaskKeys), "\(Set(object.keys).subtracting(F.marathonTaskKeys))")
        #expect(F.marathonTaskRequiredKeys.isSubset(of: Set(object.keys)), "\(F.marathonTaskRequiredKeys.subtracting(object.keys))")
        #expect(!F.containsNull(object))
        #expect(object["id"] as? String == running.taskId)
        #expect(object["appId"] as? String == "/shop/web")
        #expect(object["state"] as? String == "TASK_RUNNING")
        #expect(object["slaveId"] as? String == "agent-1")
        #expect(object["role"] as? String == "*")
        #expect(object["servicePorts"] as? [Int] == [10_000])
        #expect((object["localVolumes"] as? [Any])?.isEmpty == true)
        #expect(object["startedAt"] as? String == running.startedAt?.iso8601)
        #expect(object["version"] as? String == F.t0.iso8601)
        let health = try #require((object["healthCheckResults"] as? [[String: Any]])?.first)
        #expect(Set(health.keys).isSubset(of: F.healthCheckResultKeys))
        #expect(health["alive"] as? Bool == true)

        var staging = JSONWriter()
        TaskRenderer.write(F.instance(of: app, 2, state: .staging), role: "slave_public", into: &staging)
        let staged = try #require(try F.json(staging.bytes) as? [String: Any])
        #expect(staged["startedAt"] == nil)
        #expect(staged["servicePorts"] as? [Int] == [], "app-scoped lists carry an empty servicePorts, as Marathon 1.10")
        #expect((staged["healthCheckResults"] as? [Any])?.isEmpty == true, "health unknown: no results, still the key")
        #expect(staged["role"] as? String == "slave_public")
    }

    @Test("task lists: servicePorts only in /v2/tasks; the role is the app's, * once the app is gone")
    func taskLists() throws {
        var app = F.app("/shop/web")
        app.role = "shop"
        let state = F.state(apps: [app], perApp: 2)
        let instances = state.instances(of: app.id)
        let roles = TaskRoles(state)
        let appScoped = try #require(try F.json(TaskRenderer.tasksDocument(instances, roles: roles)) as? [String: [[String: Any]]])
        #expect(appScoped["tasks"]?.count == 2)
        #expect(appScoped["tasks"]?.allSatisfy { ($0["servicePorts"] as? [Int]) == [] && $0["role"] as? String == "shop" } == true)
        let all = try #require(try F.json(TaskRenderer.tasksDocument(instances, roles: roles) { _ in app.servicePorts }) as? [String: [[String: Any]]])
        #expect(all["tasks"]?.first?["servicePorts"] as? [Int] == [10_000])
        let orphan = F.instance(of: F.app("/gone"), 9)
        let single = try #require(try F.json(TaskRenderer.taskDocument(orphan, roles: roles)) as? [String: [String: Any]])
        #expect(single["task"]?["role"] as? String == "*")
    }

    @Test("AppInfo: the definition plus counts, deployments, tasks and tasksStats, Marathon 1.10's keys only")
    func appInfo() throws {
        let web = F.app("/shop/web", instances: 3)
        var state = F.state(apps: [web], perApp: 2)
        state.upsert(F.instance(of: web, 50, state: .staging))
        state.upsert(F.instance(of: web, 51, state: .failed))
        state.lastTaskFailures[web.id] = TaskFailure(
            appId: web.id, host: "10.0.0.9", message: "exited with 1", state: .failed, taskId: "t", timestamp: F.t0,
            version: F.t0, slaveId: "agent-1")
        var renderer = AppInfoRenderer(state: state, cache: AppJSONCache())
        var w = JSONWriter()
        renderer.write(web, embed: AppEmbed.singleDefault.union([.taskStats, .readiness]), into: &w)
        let object = try #require(try F.json(w.bytes) as? [String: Any])
        #expect(Set(object.keys).isSubset(of: F.marathonAppKeys), "\(Set(object.keys).subtracting(F.marathonAppKeys))")
        #expect(!F.containsNull(object))
        #expect(object["id"] as? String == "/shop/web")
        #expect(object["tasksRunning"] as? Int == 2)
        #expect(object["tasksStaged"] as? Int == 1)
        #expect(object["tasksHealthy"] as? Int == 0, "no health checks: nothing counts as healthy")
        #expect(object["tasksUnhealthy"] as? Int == 0)
        #expect((object["deployments"] as? [[String: String]]) == [["id": "d-1"]])
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.count == 3, "terminal instances are not listed")
        #expect(tasks.allSatisfy { ($0["servicePorts"] as? [Int]) == [] && $0["role"] as? String == "*" })
        #expect((object["lastTaskFailure"] as? [String: Any])?["message"] as? String == "exited with 1")
        #expect(object["taskStats"] == nil, "Marathon 1.10 writes embed=app.taskStats as tasksStats")
        let stats = try #require(object["tasksStats"] as? [String: Any])
        let total = try #require(((stats["totalSummary"] as? [String: Any])?["stats"] as? [String: Any]))
        #expect((total["counts"] as? [String: Int])?["running"] == 2)
        #expect(stats["withOutdatedConfig"] == nil, "empty groups are omitted")
        #expect((object["readinessCheckResults"] as? [Any])?.isEmpty == true)
    }

    @Test("AppInfo without embeds is the plain definition; explicit deployment ids override the state's")
    func plainAndOverride() throws {
        let web = F.app("/web")
        let state = F.state(apps: [web], perApp: 1)
        var renderer = AppInfoRenderer(state: state, cache: AppJSONCache())
        var plain = JSONWriter()
        renderer.write(web, embed: [], into: &plain)
        #expect(plain.bytes == AppJSONCache.encode(web))
        var created = JSONWriter()
        renderer.write(web, embed: [.deployments], deploymentIds: ["new"], into: &created)
        let object = try #require(try F.json(created.bytes) as? [String: Any])
        #expect((object["deployments"] as? [[String: String]]) == [["id": "new"]])
    }

    @Test("the app JSON cache reuses bytes per stored version; unstored definitions are compared in full")
    func cache() {
        let cache = AppJSONCache()
        var app = F.app("/cached")
        var session = cache.session()
        let first = session.json(for: app)
        cache.commit(session, liveApps: [app.id: app])
        var next = cache.session()
        #expect(next.json(for: app) == first)
        // A stored change always comes with new version stamps.
        app.instances = 7
        app.version = F.t0.adding(seconds: 1)
        app.versionInfo = VersionInfo(lastScalingAt: F.t0.adding(seconds: 1), lastConfigChangeAt: F.t0)
        let second = next.json(for: app)
        #expect(first != second)
        #expect(second == AppJSONCache.encode(app))
        var unstored = app
        unstored.version = nil
        var third = cache.session()
        _ = third.json(for: unstored)
        unstored.mem = 99
        #expect(third.json(for: unstored) == AppJSONCache.encode(unstored))
    }

    @Test("deployments list: Marathon's keys, 1-based currentStep, currentActions with readinessCheckResults")
    func deployments() throws {
        let state = F.state(apps: [F.app("/a")], perApp: 0)
        let list = try #require(try F.json(DeploymentRenderer.list(state)) as? [[String: Any]])
        let deployment = try #require(list.first)
        #expect(Set(deployment.keys) == F.deploymentKeys)
        #expect(deployment["affectedApps"] as? [String] == ["/a"])
        #expect((deployment["affectedPods"] as? [Any])?.isEmpty == true)
        #expect(deployment["currentStep"] as? Int == 1)
        #expect(deployment["totalSteps"] as? Int == 1)
        let action = try #require((deployment["currentActions"] as? [[String: Any]])?.first)
        #expect(Set(action.keys).isSubset(of: F.deploymentActionKeys))
        #expect(action["action"] as? String == "ScaleApplication")
        let result = try #require(try F.json(DeploymentRenderer.result(deploymentId: "x", version: F.t0)) as? [String: String])
        #expect(result == ["deploymentId": "x", "version": F.t0.iso8601])
    }

    @Test("group tree: implied and explicit groups, GroupInfo keys, apps and groups empty unless embedded")
    func groups() throws {
        var state = F.state(apps: [F.app("/shop/web"), F.app("/shop/db/main"), F.app("/top")], perApp: 1)
        state.groups[PathId("/empty")] = GroupRecord(id: PathId("/empty"), dependencies: [PathId("/shop")], version: F.t0)
        let tree = GroupTree(state: state)
        #expect(tree.contains(PathId("/shop/db")) && tree.contains(PathId("/empty")) && tree.contains(.root))
        #expect(!tree.contains(PathId("/nope")))
        #expect(tree.appsBelow(PathId("/shop")) == [PathId("/shop/db/main"), PathId("/shop/web")])
        #expect(tree.nodes[.root]?.groups == [PathId("/empty"), PathId("/shop")])

        var renderer = GroupRenderer(state: state, cache: AppJSONCache(), embed: GroupEmbed(values: []))
        let rootDocument = renderer.document(.root)
        let rootBytes = try #require(rootDocument)
        let root = try #require(try F.json(rootBytes) as? [String: Any])
        #expect(Set(root.keys) == F.groupKeys)
        #expect((root["apps"] as? [[String: Any]])?.map { $0["id"] as? String } == ["/top"])
        let empty = try #require((root["groups"] as? [[String: Any]])?.first { $0["id"] as? String == "/empty" })
        #expect(empty["dependencies"] as? [String] == ["/shop"])
        let missing = renderer.document(PathId("/nope"))
        #expect(missing == nil)

        var appsOnly = GroupRenderer(state: state, cache: AppJSONCache(), embed: GroupEmbed(values: ["group.apps"]))
        let shopDocument = appsOnly.document(PathId("/shop"))
        let shopBytes = try #require(shopDocument)
        let shop = try #require(try F.json(shopBytes) as? [String: Any])
        #expect(Set(shop.keys) == F.groupKeys, "apps, groups and pods are always written, as Marathon 1.10 does")
        #expect((shop["groups"] as? [Any])?.isEmpty == true && (shop["pods"] as? [Any])?.isEmpty == true, "not embedded: empty")
        #expect((shop["apps"] as? [[String: Any]])?.first?["tasksRunning"] == nil, "no counts unless embedded")
    }

    @Test("errors: locked apps list the deployments; control-plane errors map to Marathon's statuses")
    func errors() throws {
        let locked = MarathonHTTPError(ControlPlaneError.appLocked(deploymentIds: ["d1", "d2"]))
        #expect(locked.status == 409)
        let body = try #require(try F.json(locked.body) as? [String: Any])
        #expect((body["message"] as? String)?.contains("/v2/deployments/d1") == true)
        #expect((body["deployments"] as? [[String: String]]) == [["id": "d1"], ["id": "d2"]])
        #expect(MarathonHTTPError(ControlPlaneError.unknownApp(PathId("/x"))).status == 404)
        #expect(MarathonHTTPError(ControlPlaneError.tooManyDeployments(limit: 100)).status == 403)
        #expect(MarathonHTTPError(ControlPlaneError.unprocessable("no ports")).status == 422)
        #expect(MarathonHTTPError(ControlPlaneError.store("disk full")).status == 500)
        let notFound = try #require(try F.json(MarathonHTTPError.unknownApp(PathId("/x")).body) as? [String: String])
        #expect(notFound == ["message": "App '/x' does not exist"])
    }
}

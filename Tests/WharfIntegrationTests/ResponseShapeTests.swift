import Foundation
import Testing

/// Response shapes that depend on the running system, as Marathon 1.10 writes them: queue items
/// with role and offer statistics, tasks with role and servicePorts, tasksStats.
@Suite("Marathon 1.10 response shapes", .timeLimit(.minutes(15)))
struct ResponseShapeTests {
    @Test("/v2/queue: role, both reject summaries, lastUnusedOfferAt, and lastUnusedOffers with embed")
    func queue() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", Fixtures.unplaceable("/huge"))
            #expect(created.status == 201, "\(created)")
            let item = try await poll("/huge declined by the agent") { () -> JSON? in
                let queue = try await wharf.api.get("/v2/queue").json["queue"]?.array ?? []
                guard let item = queue.first(where: { $0["app"]?["id"]?.string == "/huge" }),
                      (item["processedOffersSummary"]?["unusedOffersCount"]?.int ?? 0) > 0 else { return Optional<JSON>.none }
                return item
            }
            #expect(item["role"]?.string == "*", "\(item)")
            #expect(item["count"]?.int == 1)
            #expect(item["lastUnusedOffers"] == nil, "only with embed=lastUnusedOffers")
            let summary = try #require(item["processedOffersSummary"])
            #expect(summary["lastUnusedOfferAt"]?.string != nil, "\(summary)")
            for key in ["rejectSummaryLastOffers", "rejectSummaryLaunchAttempt"] {
                let cpus = summary[key]?.array?.first { $0["reason"]?.string == "InsufficientCpus" }
                #expect((cpus?["declined"]?.int ?? 0) > 0, "\(key): \(summary)")
            }

            let embedded = try await wharf.api.get("/v2/queue?embed=lastUnusedOffers")
            let offers = try #require(embedded.json["queue"]?.array?.first?["lastUnusedOffers"]?.array, "\(embedded)")
            #expect(offers.count == 1, "one agent, its last declined offer: \(offers)")
            let offer = try #require(offers.first)
            #expect(offer["reason"]?.array?.contains { $0.string == "InsufficientCpus" } == true, "\(offer)")
            #expect(offer["timestamp"]?.string != nil)
            #expect(offer["offer"]?["agentId"]?.string?.isEmpty == false, "\(offer)")
            let resources = offer["offer"]?["resources"]?.array ?? []
            #expect(resources.contains { $0["name"]?.string == "cpus" && ($0["scalar"]?.double ?? 0) > 0 }, "\(offer)")
            #expect(resources.contains { $0["name"]?.string == "ports" && !($0["ranges"]?.array ?? []).isEmpty }, "\(offer)")
        }
    }

    @Test("tasks: role everywhere; servicePorts only in /v2/tasks, empty in app-scoped lists; embed=app.taskStats as tasksStats")
    func tasks() async throws {
        try await withWharf { wharf in
            var app = Fixtures.sleeper("/shape", instances: 1)
            app["portDefinitions"] = [["port": 0, "name": "http"]]
            let created = try await wharf.api.post("/v2/apps", app)
            #expect(created.status == 201, "\(created)")
            _ = try await wharf.api.waitForRunning("/shape", count: 1)
            let servicePort = try #require(try await wharf.api.app("/shape")?["portDefinitions"]?[0]?["port"]?.int)

            let appTasks = try await wharf.api.tasks(of: "/shape")
            let appTask = try #require(appTasks.first)
            #expect(appTask["role"]?.string == "*", "\(appTask)")
            #expect(appTask["servicePorts"]?.array?.isEmpty == true, "\(appTask)")
            #expect(appTask["localVolumes"]?.array?.isEmpty == true, "\(appTask)")

            let all = try await wharf.api.get("/v2/tasks").json["tasks"]?.array ?? []
            let task = try #require(all.first { $0["appId"]?.string == "/shape" })
            #expect(task["servicePorts"]?.array?.map(\.int) == [servicePort], "\(task)")
            #expect(task["role"]?.string == "*")

            let shown = try await wharf.api.get("/v2/apps/shape?embed=app.taskStats").json["app"]
            #expect(shown?["taskStats"] == nil)
            #expect(shown?["tasksStats"]?["totalSummary"]?["stats"]?["counts"]?["running"]?.int == 1, "\(String(describing: shown))")
            #expect(shown?["tasks"]?[0]?["servicePorts"]?.array?.isEmpty == true)
        }
    }
}

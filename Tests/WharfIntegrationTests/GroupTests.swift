import Foundation
import Testing

/// `/v2/groups` with apps and dependencies.
@Suite("Groups", .timeLimit(.minutes(15)))
struct GroupTests {
    @Test("POST examples/group.json starts db, api, web in dependency order")
    func groupWithDependencies() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/groups", try Fixtures.example("group.json"))
            #expect(created.status == 201, "\(created)")
            let deploymentId = try #require(MarathonClient.deploymentId(created), "\(created)")
            #expect(created.json["deploymentId"]?.string == deploymentId)
            #expect(created.header("Location") != nil)

            try await wharf.api.waitForDeployment(deploymentId)
            let db = try await wharf.api.waitForRunning("/shop/db", count: 1)
            let api = try await wharf.api.waitForRunning("/shop/api", count: 1)
            let web = try await wharf.api.waitForRunning("/shop/web", count: 2)

            // A dependent app is staged only after what it depends on is running.
            func dates(_ tasks: [JSON], _ field: String) -> [Date] { tasks.compactMap { parseTimestamp($0[field]?.string) } }
            let dbStarted = try #require(dates(db, "startedAt").max())
            let apiStaged = try #require(dates(api, "stagedAt").min())
            let apiStarted = try #require(dates(api, "startedAt").max())
            let webStaged = try #require(dates(web, "stagedAt").min())
            #expect(apiStaged >= dbStarted, "api staged before db was running")
            #expect(webStaged >= apiStarted, "web staged before api was running")

            for task in web {
                let port = try #require(task["ports"]?[0]?.int)
                try await waitUntil("web answers on \(port)", timeout: .seconds(30)) { try await httpStatus(port: port) == 200 }
            }

            let group = try await wharf.api.get("/v2/groups/shop")
            #expect(group.status == 200)
            #expect(group.json["id"]?.string == "/shop")
            let appIds = Set(group.json["apps"]?.array?.compactMap { $0["id"]?.string } ?? [])
            #expect(appIds == ["/shop/db", "/shop/api", "/shop/web"])
            let root = try await wharf.api.get("/v2/groups")
            #expect(root.json["id"]?.string == "/")
            #expect(root.json["groups"]?.array?.contains { $0["id"]?.string == "/shop" } == true, "\(root)")

            let again = try await wharf.api.post("/v2/groups", try Fixtures.example("group.json"))
            #expect(again.status == 409, "\(again)")

            let deleted = try await wharf.api.delete("/v2/groups/shop")
            #expect(deleted.status == 200, "\(deleted)")
            try await waitUntil("no process of /shop is left") { wharf.taskProcesses.isEmpty }
            #expect(try await wharf.api.get("/v2/groups/shop").status == 404)
        }
    }
}

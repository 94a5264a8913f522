import Foundation
import Testing

/// PUT semantics, versions and deployment conflicts.
@Suite("App updates", .timeLimit(.minutes(15)))
struct AppUpdateTests {
    @Test("PUT {\"instances\":3} is a partial update: only instances change")
    func partialUpdate() async throws {
        try await withWharf { wharf in
            _ = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/partial"))
            try await wharf.api.waitForRunning("/partial", count: 1)

            let updated = try await wharf.api.put(MarathonClient.appPath("/partial"), ["instances": 3])
            #expect(updated.status == 200, "\(updated)")
            let deploymentId = try #require(updated.json["deploymentId"]?.string, "\(updated)")
            #expect(updated.header("Marathon-Deployment-Id") == deploymentId)
            #expect(updated.json["version"]?.string != nil)

            try await wharf.api.waitForRunning("/partial", count: 3)
            let app = try #require(try await wharf.api.app("/partial"))
            #expect(app["instances"]?.int == 3)
            #expect(app["cmd"]?.string == "sleep 100000", "partial update lost the command: \(app)")
            #expect(app["mem"]?.double == 16)
        }
    }

    @Test("PUT on a missing id creates the app (201 + Location)")
    func putCreates() async throws {
        try await withWharf { wharf in
            var body = Fixtures.sleeper("/ignored-body-id")
            body["id"] = nil
            let created = try await wharf.api.put(MarathonClient.appPath("/made-by-put"), body)
            #expect(created.status == 201, "\(created)")
            #expect(created.header("Location") != nil)
            #expect(MarathonClient.deploymentId(created) != nil)
            try await wharf.api.waitForRunning("/made-by-put", count: 1)
            #expect(try await wharf.api.app("/made-by-put")?["cmd"]?.string == "sleep 100000")
        }
    }

    @Test("versions are listed and each can be fetched")
    func versions() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/versioned"))
            let firstVersion = try #require(created.json["version"]?.string)
            try await wharf.api.waitForRunning("/versioned", count: 1)
            let changed = try await wharf.api.put(MarathonClient.appPath("/versioned"), ["cmd": "sleep 200000"])
            #expect(changed.status == 200, "\(changed)")
            let secondVersion = try #require(changed.json["version"]?.string)

            let list = try await wharf.api.get(MarathonClient.appPath("/versioned", "/versions"))
            #expect(list.status == 200)
            let versions = list.json["versions"]?.array?.compactMap(\.string) ?? []
            #expect(Set(versions).isSuperset(of: [firstVersion, secondVersion]), "\(list)")

            let old = try await wharf.api.get(MarathonClient.appPath("/versioned", "/versions/\(firstVersion)"))
            #expect(old.status == 200, "\(old)")
            #expect(old.json["cmd"]?.string == "sleep 100000")
            #expect(old.json["version"]?.string == firstVersion)
            let new = try await wharf.api.get(MarathonClient.appPath("/versioned", "/versions/\(secondVersion)"))
            #expect(new.json["cmd"]?.string == "sleep 200000")

            let missing = try await wharf.api.get(MarathonClient.appPath("/versioned", "/versions/2000-01-01T00:00:00.000Z"))
            #expect(missing.status == 404, "\(missing)")
        }
    }

    @Test("a change to an app with a deployment in progress → 409 listing it; force=True overrides")
    func conflictingDeployment() async throws {
        try await withWharf { wharf in
            // An app that cannot be placed never runs, so its deployment stays in progress.
            let created = try await wharf.api.post("/v2/apps", Fixtures.unplaceable("/locked"))
            let deploymentId = try #require(MarathonClient.deploymentId(created), "\(created)")
            #expect(try await wharf.api.deploymentIds().contains(deploymentId))

            let conflict = try await wharf.api.put(MarathonClient.appPath("/locked"), ["instances": 2])
            #expect(conflict.status == 409, "\(conflict)")
            #expect(conflict.json["message"]?.string?.contains("locked") == true, "\(conflict)")
            let listed = conflict.json["deployments"]?.array?.compactMap { $0["id"]?.string } ?? []
            #expect(listed == [deploymentId], "\(conflict)")
            #expect(try await wharf.api.app("/locked")?["instances"]?.int == 1, "a rejected change must not be applied")

            let forced = try await wharf.api.put(MarathonClient.appPath("/locked") + "?force=True", ["instances": 2])
            #expect(forced.status == 200, "\(forced)")
            let forcedId = try #require(MarathonClient.deploymentId(forced))
            #expect(forcedId != deploymentId)
            let deployments = try await wharf.api.deploymentIds()
            #expect(!deployments.contains(deploymentId), "the forced-over deployment should be gone: \(deployments)")
            #expect(deployments.contains(forcedId))
            #expect(try await wharf.api.app("/locked")?["instances"]?.int == 2)

            // Cancelling with force=true just stops the deployment: 202.
            let stopped = try await wharf.api.delete("/v2/deployments/\(forcedId)?force=true")
            #expect(stopped.status == 202, "\(stopped)")
            #expect(try await !wharf.api.deploymentIds().contains(forcedId))
        }
    }
}

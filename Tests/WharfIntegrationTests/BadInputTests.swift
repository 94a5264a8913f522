import Foundation
import Testing

/// Malformed, invalid and oversized input: Marathon's status codes and error bodies, nothing stored.
@Suite("Bad input", .timeLimit(.minutes(15)))
struct BadInputTests {
    @Test("malformed JSON → 400 Invalid JSON")
    func malformedJSON() async throws {
        try await withWharf { wharf in
            let result = try await wharf.api.request("POST", "/v2/apps", body: Data(#"{"id": "/x", "cmd": "#.utf8))
            #expect(result.status == 400, "\(result)")
            #expect(result.json["message"]?.string == "Invalid JSON", "\(result)")
            #expect(result.json["details"] != nil, "\(result)")
            #expect(try await wharf.api.get(MarathonClient.appPath("/x")).status == 404)
        }
    }

    @Test("invalid definitions → 422 with every error's path, and nothing is created")
    func invalidDefinitions() async throws {
        try await withWharf { wharf in
            // Values below the RAML minimums fail Marathon's reader before any rule is checked.
            let negative: JSON = ["id": "/both", "cmd": "sleep 1", "args": ["sleep", "1"], "cpus": -1, "mem": -16]
            let read = try await wharf.api.post("/v2/apps", negative)
            #expect(read.status == 422 && read.json["message"]?.string == "Invalid JSON", "\(read)")
            let readPaths = Set(read.json["details"]?.array?.compactMap { $0["path"]?.string } ?? [])
            #expect(readPaths == ["/cpus", "/mem"], "\(read)")

            // Both cmd and args, and a single-instance app asking for two: reported together.
            let invalid: JSON = ["id": "/both", "cmd": "sleep 1", "args": ["sleep", "1"], "instances": 2,
                                 "labels": ["MARATHON_SINGLE_INSTANCE_APP": "true"]]
            let result = try await wharf.api.post("/v2/apps", invalid)
            #expect(result.status == 422, "\(result)")
            #expect(result.json["message"]?.string == "Object is not valid", "\(result)")
            let paths = Set(result.json["details"]?.array?.compactMap { $0["path"]?.string } ?? [])
            #expect(paths.contains("/upgradeStrategy/minimumHealthCapacity"), "details: \(result.json["details"] ?? .null)")
            #expect(paths.contains("/"), "cmd+args is an object-level error at path /: \(result.json["details"] ?? .null)")
            for detail in result.json["details"]?.array ?? [] {
                #expect(detail["errors"]?.array?.isEmpty == false, "detail without errors: \(detail)")
            }
            #expect(try await wharf.api.get(MarathonClient.appPath("/both")).status == 404)

            // An id that breaks Marathon's id rules.
            let badId = try await wharf.api.post("/v2/apps", ["id": "/Bad_Id", "cmd": "sleep 1"])
            #expect(badId.status == 422, "\(badId)")
            let badIdPaths = badId.json["details"]?.array?.compactMap { $0["path"]?.string } ?? []
            #expect(badIdPaths.contains("/id"), "\(badId)")

            // Validation runs on PUT as well and nothing is half-applied.
            let put = try await wharf.api.put(MarathonClient.appPath("/fresh"), ["cmd": "sleep 1", "mem": -5])
            #expect(put.status == 422, "\(put)")
            #expect(try await wharf.api.get(MarathonClient.appPath("/fresh")).status == 404)

            #expect(try await wharf.api.get("/v2/apps").json["apps"]?.array?.isEmpty == true)
            #expect(try await wharf.api.deploymentIds().isEmpty)
            #expect(wharf.taskProcesses.isEmpty)
        }
    }

    @Test("unknown app → 404 with Marathon's message")
    func unknownApp() async throws {
        try await withWharf { wharf in
            let app = try await wharf.api.get("/v2/apps/x")
            #expect(app.status == 404)
            #expect(app.json["message"]?.string == "App '/x' does not exist")

            let tasks = try await wharf.api.get("/v2/apps/x/tasks")
            #expect(tasks.status == 404, "\(tasks)")
            let deleted = try await wharf.api.delete("/v2/apps/x")
            #expect(deleted.status == 404, "\(deleted)")
            let restart = try await wharf.api.post("/v2/apps/x/restart")
            #expect(restart.status == 404, "\(restart)")
            let group = try await wharf.api.get("/v2/groups/nope")
            #expect(group.status == 404, "\(group)")
            #expect(group.json["message"]?.string == "Group '/nope' does not exist")
            let deployment = try await wharf.api.delete("/v2/deployments/00000000-0000-0000-0000-000000000000")
            #expect(deployment.status == 404, "\(deployment)")
        }
    }

    @Test("a body over 1 MiB → 413, and the server keeps serving")
    func oversizedBody() async throws {
        try await withWharf { wharf in
            let padding = String(repeating: "x", count: 1_100_000)
            let body = Data(#"{"id":"/big","cmd":"sleep 1","labels":{"pad":"\#(padding)"}}"#.utf8)
            let result = try await wharf.api.request("POST", "/v2/apps", body: body)
            #expect(result.status == 413, "\(result.status)")
            #expect(try await wharf.api.get("/ping").status == 200)
            #expect(try await wharf.api.get(MarathonClient.appPath("/big")).status == 404)
        }
    }

    @Test("boolean query parameters are case-insensitive (force=True, as marathon-python sends)")
    func caseInsensitiveBooleans() async throws {
        try await withWharf { wharf in
            // An app that cannot be placed keeps its deployment running, so the app stays locked.
            let created = try await wharf.api.request("POST", "/v2/apps?force=True", body: Fixtures.unplaceable("/flag").data)
            #expect(created.status == 201, "\(created)")
            let notForced = try await wharf.api.put(MarathonClient.appPath("/flag") + "?force=FALSE", ["instances": 2])
            #expect(notForced.status == 409, "force=FALSE is false: \(notForced)")
            let forced = try await wharf.api.put(MarathonClient.appPath("/flag") + "?force=TRUE", ["instances": 2])
            #expect(forced.status == 200, "force=TRUE is true: \(forced)")
            let deleted = try await wharf.api.delete(MarathonClient.appPath("/flag") + "?force=True")
            #expect(deleted.status == 200, "\(deleted)")
        }
    }
}

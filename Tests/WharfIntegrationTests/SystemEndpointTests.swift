import Foundation
import Testing

/// `/ping`, `/v2/info`, `/v2/leader`, `/openapi.json`.
@Suite("System endpoints", .timeLimit(.minutes(15)))
struct SystemEndpointTests {
    @Test("GET /ping answers pong (text, or JSON when asked for JSON)")
    func ping() async throws {
        try await withWharf { wharf in
            let text = try await wharf.api.request("GET", "/ping", accept: "text/plain")
            #expect(text.status == 200)
            #expect(text.text.trimmingCharacters(in: .whitespacesAndNewlines) == "pong")

            let json = try await wharf.api.request("GET", "/ping", accept: "application/json")
            #expect(json.status == 200)
            #expect(json.json == "pong", "marathon-python expects the JSON string \"pong\": \(json)")
        }
    }

    @Test("GET /v2/info and /v2/leader name this node as the elected leader")
    func infoAndLeader() async throws {
        try await withWharf { wharf in
            let leaderAddress = "127.0.0.1:\(wharf.apiPort)"

            let info = try await wharf.api.get("/v2/info")
            #expect(info.status == 200)
            #expect(info.json["name"]?.string?.isEmpty == false, "\(info)")
            #expect(info.json["version"]?.string?.isEmpty == false, "\(info)")
            #expect(info.json["elected"]?.bool == true, "\(info)")
            #expect(info.json["leader"]?.string == leaderAddress, "\(info)")
            #expect(info.json["http_config"]?["http_port"]?.int == wharf.apiPort, "\(info)")
            #expect(info.json["marathon_config"]?.object != nil, "\(info)")

            let leader = try await wharf.api.get("/v2/leader")
            #expect(leader.status == 200)
            #expect(leader.json["leader"]?.string == leaderAddress, "\(leader)")
        }
    }

    @Test("GET /openapi.json is an OpenAPI 3 document listing Marathon's routes")
    func openAPIDocument() async throws {
        try await withWharf { wharf in
            let result = try await wharf.api.get("/openapi.json")
            #expect(result.status == 200)
            let document = result.json
            let version = try #require(document["openapi"]?.string, "no 'openapi' field: \(result)")
            #expect(version.hasPrefix("3."))
            #expect(document["info"]?["title"]?.string != nil)
            let paths = try #require(document["paths"]?.object, "no 'paths' object")

            // Compare templates without parameter names: `/v2/apps/{id}` and `/v2/apps/{appId}` are the same route.
            let served = Set(paths.keys.map(Self.normalised))
            let documented = [
                "/ping", "/v2/info", "/v2/leader", "/v2/apps", "/v2/apps/{}", "/v2/apps/{}/restart",
                "/v2/apps/{}/tasks", "/v2/apps/{}/tasks/{}", "/v2/apps/{}/versions", "/v2/apps/{}/versions/{}",
                "/v2/tasks", "/v2/tasks/delete", "/v2/deployments", "/v2/deployments/{}", "/v2/groups",
                "/v2/groups/{}", "/v2/queue", "/v2/queue/{}/delay", "/v2/events",
            ]
            for path in documented {
                #expect(served.contains(path), "\(path) missing from /openapi.json paths: \(served.sorted())")
            }
            // Every operation says what it answers.
            for (path, item) in paths {
                for (method, operation) in item.object ?? [:] where ["get", "put", "post", "delete", "patch"].contains(method) {
                    #expect(operation["responses"]?.object?.isEmpty == false, "\(method.uppercased()) \(path) has no responses")
                }
            }
        }
    }

    /// `/v2/apps/{id}/tasks/{taskId}` → `/v2/apps/{}/tasks/{}`.
    static func normalised(_ path: String) -> String {
        path.replacingOccurrences(of: #"\{[^}]*\}"#, with: "{}", options: .regularExpression)
    }
}

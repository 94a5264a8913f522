import Foundation
import Testing
@testable import WharfServer

@Suite("Marathon API: /openapi.json", .timeLimit(.minutes(3)))
struct OpenAPIDocumentTests {
    @Test("the document lists exactly the registered routes, each with responses")
    func inSync() throws {
        let document = try #require(try MarathonAPIFixtures.json(OpenAPIDocument.document) as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.0") == true)
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for (method, operation) in operations {
                documented.insert("\(method.uppercased()) \(path)")
                let responses = (operation as? [String: Any])?["responses"] as? [String: Any]
                #expect(responses?.isEmpty == false, "\(method) \(path) has no responses")
            }
        }
        let registered = Set(MarathonRoutes.all.map { "\($0.method.rawValue) \($0.template.template)" })
        #expect(documented == registered)
        for required in ["GET /v2/apps", "POST /v2/apps", "GET /v2/apps/{id}", "DELETE /v2/apps/{id}/tasks/{taskId}",
                         "POST /v2/tasks/delete", "DELETE /v2/deployments/{deploymentId}", "PUT /v2/groups/{id}",
                         "DELETE /v2/queue/{id}/delay", "GET /v2/events", "GET /ping", "GET /openapi.json"] {
            #expect(registered.contains(required), "\(required) is not registered")
        }
    }

    @Test("path placeholders are declared as required path parameters; operation ids are unique")
    func parameters() throws {
        let document = try #require(try MarathonAPIFixtures.json(OpenAPIDocument.document) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        let operation = try #require(paths["/v2/apps/{id}/tasks/{taskId}"]?["delete"])
        let parameters = try #require(operation["parameters"] as? [[String: Any]])
        let pathNames = parameters.filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String }
        #expect(pathNames == ["id", "taskId"])
        #expect(parameters.contains { $0["name"] as? String == "scale" && $0["in"] as? String == "query" })
        let ids = paths.values.flatMap { $0.values.compactMap { $0["operationId"] as? String } }
        #expect(Set(ids).count == ids.count)
    }
}

import Foundation
import Testing
@testable import WharfServer
import WharfModel

/// `/openapi.json` carries the constraints the API enforces, so that generated requests reach the
/// logic behind the validation.
@Suite("Marathon API: /openapi.json constraints", .timeLimit(.minutes(1)))
struct OpenAPIConstraintTests {
    typealias Object = [String: Any]

    static func document(datacenter: String = "dc1") throws -> Object {
        let bytes = OpenAPIDocument.render(MarathonRoutes.all, datacenter: datacenter)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? Object)
    }

    static func schema(_ name: String, in document: Object) throws -> Object {
        let schemas = try #require((document["components"] as? Object)?["schemas"] as? Object)
        return try #require(schemas[name] as? Object, "no schema \(name)")
    }

    static func operation(_ method: String, _ path: String, in document: Object) throws -> Object {
        try #require(((document["paths"] as? Object)?[path] as? Object)?[method] as? Object, "no \(method) \(path)")
    }

    static func parameter(_ name: String, of operation: Object) throws -> Object {
        try #require((operation["parameters"] as? [Object])?.first { $0["name"] as? String == name }, "no parameter \(name)")
    }

    @Test("the document is valid JSON and every $ref points at a schema it defines")
    func references() throws {
        let document = try Self.document()
        let schemas = try #require((document["components"] as? Object)?["schemas"] as? Object)
        var refs: Set<String> = []
        func collect(_ value: Any) {
            switch value {
            case let object as Object:
                if let ref = object["$ref"] as? String { refs.insert(ref) }
                object.values.forEach(collect)
            case let array as [Any]:
                array.forEach(collect)
            default:
                break
            }
        }
        collect(document)
        #expect(!refs.isEmpty)
        for ref in refs {
            #expect(ref.hasPrefix("#/components/schemas/"), "\(ref)")
            #expect(schemas[String(ref.dropFirst("#/components/schemas/".count))] != nil, "dangling \(ref)")
        }
        // Patterns are regular expressions the fuzzers' engines compile.
        for (name, pattern) in [("pathId", OpenAPISchemas.pathIdPattern), ("label", OpenAPISchemas.labelSelectorPattern),
                                ("image", OpenAPIAppParts.imagePattern), ("wait", OpenAPISchemas.goDurationPattern),
                                ("task", OpenAPISchemas.taskIdPattern)] {
            #expect((try? NSRegularExpression(pattern: pattern)) != nil, "\(name): \(pattern)")
        }
    }

    @Test("an app needs its id; cpus, mem, instances and ports carry Marathon's minimums and Wharf's maximums")
    func appConstraints() throws {
        let document = try Self.document()
        let app = try Self.schema("AppDefinition", in: document)
        #expect(app["required"] as? [String] == ["id"])
        let properties = try #require(app["properties"] as? Object)
        let cpus = try #require(properties["cpus"] as? Object)
        #expect(cpus["minimum"] as? Double == 0.001)
        #expect(cpus["maximum"] as? Double == AppDefinition.maxCpus)
        #expect((properties["mem"] as? Object)?["minimum"] as? Double == 0)
        #expect((properties["instances"] as? Object)?["minimum"] as? Int == 0)
        #expect((properties["instances"] as? Object)?["maximum"] as? Int == AppDefinition.maxInstances)
        #expect((properties["cmd"] as? Object)?["minLength"] as? Int == 2, "Marathon refuses a one-character cmd")
        #expect((properties["backoffFactor"] as? Object)?["minimum"] as? Double == 1)
        #expect((properties["killSelection"] as? Object)?["enum"] as? [String] == ["YOUNGEST_FIRST", "OLDEST_FIRST"])
        #expect((properties["version"] as? Object)?["readOnly"] as? Bool == true)
        // cmd or args, not both, or a container.
        let excluded = try #require((app["not"] as? Object)?["anyOf"] as? [Object])
        #expect(excluded.first?["required"] as? [String] == ["cmd", "args"])
        #expect(excluded.last?["required"] as? [String] == ["networks", "container"], "networks or the legacy docker.network")
        let all = try #require(app["allOf"] as? [Object])
        #expect((all.first?["anyOf"] as? [Object])?.compactMap { ($0["required"] as? [String])?.first } == ["cmd", "args", "container"])
        #expect((all.last?["anyOf"] as? [Object])?.count == 3, "portMappings need container or bridge networking")
        let executor = try NSRegularExpression(pattern: try #require((properties["executor"] as? Object)?["pattern"] as? String))
        for (value, valid) in [("//cmd", true), ("", true), ("/usr/bin/exec", true), ("a/b", true), ("a//b", false), ("/", false)] {
            #expect((executor.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil) == valid, "\(value)")
        }
        // Wharf's own fields keep their documentation.
        #expect(((properties["progressDeadlineSeconds"] as? Object)?["description"] as? String)?.contains("Wharf extension") == true)

        let id = try Self.schema("PathId", in: document)
        let pattern = try #require(id["pattern"] as? String)
        let regex = try NSRegularExpression(pattern: pattern)
        func matches(_ s: String) -> Bool { regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil }
        #expect(matches("/shop/web") && matches("web") && matches("a.b-c/d1"))
        #expect(!matches("/Shop") && !matches("/-web") && !matches("/a//b") && !matches(""))

        let task = try NSRegularExpression(pattern: OpenAPISchemas.taskIdPattern)
        let instance = MarathonAPIFixtures.instance(of: MarathonAPIFixtures.app("/shop/web"), 1)
        for id in [instance.taskId, instance.id, "shop_web.marathon-\(UUID().uuidString.lowercased())"] {
            #expect(task.firstMatch(in: id, range: NSRange(id.startIndex..., in: id)) != nil, "\(id)")
        }

        let port = try #require((try Self.schema("PortDefinition", in: document)["properties"] as? Object)?["port"] as? Object)
        #expect(port["minimum"] as? Int == 0 && port["maximum"] as? Int == 65535)
        let check = try Self.schema("HealthCheck", in: document)
        let protocols = try #require(((check["properties"] as? Object)?["protocol"] as? Object)?["enum"] as? [String])
        #expect(Set(protocols) == ["HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP"])
        let docker = try Self.schema("DockerContainer", in: document)
        #expect(docker["required"] as? [String] == ["image"])
    }

    @Test("bodies: every operation taking one has a schema; partial updates, rollbacks, groups and task kills are described")
    func bodies() throws {
        let document = try Self.document()
        for route in MarathonRoutes.all where route.requestBody != nil {
            #expect(route.bodySchema != nil, "\(route.method) \(route.template.template) has no body schema")
        }
        let post = try Self.operation("post", "/v2/apps", in: document)
        let body = try #require((((post["requestBody"] as? Object)?["content"] as? Object)?["application/json"] as? Object)?["schema"] as? Object)
        #expect(body["$ref"] as? String == "#/components/schemas/AppDefinition")
        let rollback = try Self.schema("AppRollback", in: document)
        #expect(rollback["required"] as? [String] == ["version"])
        #expect(rollback["additionalProperties"] as? Bool == false)
        let patch = try Self.schema("AppPatchWithId", in: document)
        #expect(patch["required"] as? [String] == ["id"])
        let kill = try Self.schema("TaskKillRequest", in: document)
        #expect(kill["required"] as? [String] == ["ids"])
        let create = try Self.schema("GroupCreate", in: document)
        #expect(create["required"] as? [String] == ["id"])
        let update = try Self.schema("GroupUpdate", in: document)
        let scaleBy = try #require((update["properties"] as? Object)?["scaleBy"] as? Object)
        #expect(scaleBy["exclusiveMinimum"] as? Bool == true && scaleBy["minimum"] as? Int == 0)
        let groupApp = try Self.schema("GroupApp", in: document)
        #expect(((groupApp["properties"] as? Object)?["id"] as? Object)?["$ref"] as? String == "#/components/schemas/ChildId")
    }

    @Test("parameters: path ids have patterns, versions are timestamps, embed, status and event_type are enums, force is a boolean")
    func parameters() throws {
        let document = try Self.document(datacenter: "eu1")
        let show = try Self.operation("get", "/v2/apps/{id}", in: document)
        let id = try Self.parameter("id", of: show)
        #expect((id["schema"] as? Object)?["pattern"] as? String == OpenAPISchemas.pathIdPattern)
        let embed = try #require(((try Self.parameter("embed", of: show)["schema"] as? Object)?["items"] as? Object)?["enum"] as? [String])
        #expect(embed.contains("app.taskStats") && embed.contains("apps.counts") && embed.contains("readiness"))
        #expect((id["schema"] as? Object)?["example"] as? String == "shop/web", "tools allow %2F only with an example saying so")
        let topLevel = try Self.parameter("id", of: try Self.operation("patch", "/v2/groups/{id}", in: document))
        let topPattern = try NSRegularExpression(pattern: try #require((topLevel["schema"] as? Object)?["pattern"] as? String))
        #expect(topPattern.firstMatch(in: "/shop", range: NSRange(location: 0, length: 5)) != nil)
        #expect(topPattern.firstMatch(in: "/shop/web", range: NSRange(location: 0, length: 9)) == nil, "enforceRole: top-level groups only")
        let version = try Self.parameter("version", of: try Self.operation("get", "/v2/apps/{id}/versions/{version}", in: document))
        #expect((version["schema"] as? Object)?["format"] as? String == "date-time")
        let deployment = try Self.parameter("deploymentId", of: try Self.operation("delete", "/v2/deployments/{deploymentId}", in: document))
        #expect((deployment["schema"] as? Object)?["format"] as? String == "uuid")
        let force = try Self.parameter("force", of: try Self.operation("post", "/v2/apps", in: document))
        #expect((force["schema"] as? Object)?["type"] as? String == "boolean")
        let status = try Self.parameter("status", of: try Self.operation("get", "/v2/tasks", in: document))
        let states = try #require(((status["schema"] as? Object)?["items"] as? Object)?["enum"] as? [String])
        #expect(states.contains("running") && states.contains("staging"))
        let queueEmbed = try Self.parameter("embed", of: try Self.operation("get", "/v2/queue", in: document))
        #expect(((queueEmbed["schema"] as? Object)?["items"] as? Object)?["enum"] as? [String] == ["lastUnusedOffers"])
        let events = try Self.parameter("event_type", of: try Self.operation("get", "/v2/events", in: document))
        #expect((((events["schema"] as? Object)?["items"] as? Object)?["enum"] as? [String])?.contains("status_update_event") == true)
        let label = try Self.parameter("label", of: try Self.operation("get", "/v2/apps", in: document))
        #expect((label["schema"] as? Object)?["pattern"] as? String == OpenAPISchemas.labelSelectorPattern)
        // Consul: only this server's datacenter; index is a non-negative integer; wait a Go duration.
        let services = try Self.operation("get", "/v1/catalog/services", in: document)
        #expect((try Self.parameter("dc", of: services)["schema"] as? Object)?["enum"] as? [String] == ["eu1"])
        #expect((try Self.parameter("index", of: services)["schema"] as? Object)?["minimum"] as? Int == 0)
        #expect((try Self.parameter("wait", of: services)["schema"] as? Object)?["pattern"] as? String == OpenAPISchemas.goDurationPattern)
    }

    @Test("the label selector pattern accepts what the parser accepts")
    func labelSelectorPattern() throws {
        let regex = try NSRegularExpression(pattern: OpenAPISchemas.labelSelectorPattern)
        for selector in ["", "env", "env==prod", "env != prod, tier", "tier in (a, b)", "tier notin (a)", "a\\,b==c", "x in ()"] {
            let range = NSRange(selector.startIndex..., in: selector)
            #expect(regex.firstMatch(in: selector, range: range) != nil, "pattern refuses \(selector)")
            #expect((try? LabelSelector(parsing: selector)) != nil, "parser refuses \(selector)")
        }
        for selector in ["a b", "a==", "==b", "a in b", "a,"] {
            let range = NSRange(selector.startIndex..., in: selector)
            #expect(regex.firstMatch(in: selector, range: range) == nil, "pattern accepts \(selector)")
            #expect((try? LabelSelector(parsing: selector)) == nil, "parser accepts \(selector)")
        }
    }

    @Test("responses link created resources to the operations that use them")
    func links() throws {
        let document = try Self.document()
        let created = try #require(((try Self.operation("post", "/v2/apps", in: document)["responses"] as? Object)?["201"] as? Object)?["links"] as? Object)
        let get = try #require(created["get_v2_apps_id"] as? Object)
        #expect(get["operationId"] as? String == "get_v2_apps_id")
        #expect((get["parameters"] as? Object)?["id"] as? String == "$response.body#/id")
        let operations = (document["paths"] as? [String: [String: Object]] ?? [:]).values.flatMap(\.values)
        let ids = Set(operations.compactMap { $0["operationId"] as? String })
        var targets = 0
        for operation in operations {
            for case let response as Object in (operation["responses"] as? Object ?? [:]).values {
                for case let link as Object in (response["links"] as? Object ?? [:]).values {
                    let target = try #require(link["operationId"] as? String)
                    #expect(ids.contains(target), "link to unknown operation \(target)")
                    targets += 1
                }
            }
        }
        #expect(targets > created.count)
    }
}

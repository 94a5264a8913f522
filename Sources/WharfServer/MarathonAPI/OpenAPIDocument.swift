import Hummingbird
import WharfModel

/// `GET /openapi.json`: an OpenAPI 3.0 description of every route this API layer registers,
/// rendered from `MarathonRoutes.all` — the table the router is built from — so the document
/// cannot list a route that is not served or miss one that is. Bodies, path and query parameters
/// carry the constraints the API enforces (`OpenAPISchemas`), and responses link created
/// resources to the operations that use them, so that generated clients and schema-based fuzzers
/// reach the logic behind the validation.
enum OpenAPIDocument {
    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/openapi.json", tag: "system", summary: "This OpenAPI document.",
                      responses: [(200, "OpenAPI 3.0 document.")], handler: serve),
    ]

    static func serve(_ call: MarathonCall) async throws -> Response {
        MarathonResponse.json(call.api.openAPIDocument)
    }

    /// The document for the default configuration (datacenter `dc1`).
    static let document: [UInt8] = render(MarathonRoutes.all)

    /// Renders `routes` as an OpenAPI 3.0.3 document, paths in table order; `datacenter` is the
    /// only `dc` the Consul routes answer.
    static func render(_ routes: [MarathonRoute], datacenter: String = "dc1") -> [UInt8] {
        var paths: [String] = []
        var byPath: [String: [MarathonRoute]] = [:]
        for route in routes {
            if byPath[route.template.template] == nil { paths.append(route.template.template) }
            byPath[route.template.template, default: []].append(route)
        }
        var w = JSONWriter(capacity: 96 * 1024)
        w.beginObject()
        w.key("openapi"); w.string("3.0.3")
        w.key("info")
        w.beginObject()
        w.key("title"); w.string("Wharf: Marathon REST API v2")
        w.key("description"); w.string(
            "Marathon-compatible API served by Wharf. App and group ids ({id}, {group}) are paths that may "
                + "contain slashes, e.g. /v2/apps/shop/web/tasks.")
        w.key("version"); w.string(SystemRoutes.marathonVersion)
        w.endObject()
        w.key("paths")
        w.beginObject()
        for path in paths {
            w.key(path)
            w.beginObject()
            for route in byPath[path] ?? [] { writeOperation(route, datacenter: datacenter, into: &w) }
            w.endObject()
        }
        w.endObject()
        w.key("components")
        components.write(into: &w)
        w.endObject()
        return w.bytes
    }

    /// Fields of an app definition that Wharf adds to Marathon's, or whose behaviour it defines:
    /// (name, JSON type, default, description). Their descriptions are put on the app schemas'
    /// properties (`components`); types and constraints come from `OpenAPISchemas`.
    static let appFields: [(name: String, type: String, defaultValue: String?, description: String)] = [
        ("progressDeadlineSeconds", "integer", nil,
         "Wharf extension. Seconds a deployment of this app may go without progress (a new instance becoming healthy "
            + "and ready, an old one being replaced, a step completing) before it fails with deployment_failed. "
            + "Default: the server's --deployment-deadline; without it 600, stretched to the app's health-check grace "
            + "period plus intervalSeconds x (maxConsecutiveFailures + 1) and to its kill grace period when longer. A deployment also fails once its new instances have "
            + "failed --deployment-max-failures times (default 3) with none becoming healthy. Omitted from responses when unset."),
        ("autoRollback", "boolean", "true",
         "Wharf extension. Whether a failed deployment of this app is rolled back to the previous definition at once "
            + "(instances still running that definition are kept). Omitted from responses when unset."),
        ("healthChecks", "array", "[]",
         "Marathon health checks, run by the agent: HTTP, HTTPS, TCP, COMMAND (and MESOS_* spellings). Defaults: "
            + "gracePeriodSeconds 300, intervalSeconds 60, timeoutSeconds 20, maxConsecutiveFailures 3 (0 = never kill), "
            + "delaySeconds 15 (MESOS_* and COMMAND only). Until the first success within the grace period a check is "
            + "retried every min(intervalSeconds, 1) s. An instance failing maxConsecutiveFailures times in a row is killed and replaced."),
        ("readinessChecks", "array", "[]",
         "Marathon readiness checks (HTTP on the port named portName): a deployment kills an old instance only once a "
            + "new one is healthy and ready."),
        ("taskKillGracePeriodSeconds", "integer", nil,
         "Seconds from SIGTERM to SIGKILL. A killed task is TASK_KILLING first and gets SIGTERM after the server's "
            + "--kill-drain delay (0.5 s). Default: the server's --kill-grace-period (3)."),
    ]

    /// `components.schemas`, with the descriptions of `appFields` on the app properties.
    static let components: OpenAPIValue = {
        var schemas: [(String, OpenAPIValue)] = []
        for (name, schema) in OpenAPISchemas.all {
            guard case .object = schema["properties"] ?? .null, name.hasPrefix("App") || name == "GroupApp" else {
                schemas.append((name, schema))
                continue
            }
            var properties = schema["properties"] ?? [:]
            for field in appFields where properties[field.name] != nil {
                properties = properties.setting(field.name, (properties[field.name] ?? [:]).setting("description", .string(field.description)))
            }
            schemas.append((name, schema.setting("properties", properties)))
        }
        return ["schemas": .object(schemas)]
    }()

    /// Schemas of path parameters, by placeholder name. Ids may contain slashes, written as they are
    /// (`/v2/apps/shop/web`) or percent-encoded (`shop%2Fweb`); the example says so to tools that
    /// otherwise keep slashes out of path parameters.
    static let pathParameters: [String: (schema: OpenAPIValue, description: String)] = [
        "id": (OpenAPISchemas.string(pattern: OpenAPISchemas.pathIdPattern).setting("example", "shop/web"),
               "App or group id; may contain slashes."),
        "group": (OpenAPISchemas.string(pattern: OpenAPISchemas.pathIdPattern).setting("example", "shop"),
                  "Group id; may contain slashes."),
        "taskId": (OpenAPISchemas.string(pattern: OpenAPISchemas.taskIdPattern), "Task id (<app>.instance-<uuid>._app.<n>) or instance id."),
        "version": (OpenAPISchemas.timestamp, "A stored version, as GET .../versions lists them."),
        "deploymentId": (["type": "string", "format": "uuid"], "Deployment id, as GET /v2/deployments lists them."),
        "service": (OpenAPISchemas.string(minLength: 1), "Service name (an app's service name)."),
        "agent": (OpenAPISchemas.string(minLength: 1), "Agent id, or the address an agent advertises."),
    ]

    private static func writeOperation(_ route: MarathonRoute, datacenter: String, into w: inout JSONWriter) {
        let id = operationId(route)
        w.key(route.method.rawValue.lowercased())
        w.beginObject()
        w.key("operationId"); w.string(id)
        w.key("summary"); w.string(route.summary)
        w.key("tags"); w.stringArray([route.tag])
        w.key("parameters")
        w.beginArray()
        for name in route.template.placeholders {
            let parameter = pathParameters[name] ?? (OpenAPISchemas.string(minLength: 1), "")
            let schema: OpenAPIValue = ["name": .string(name), "in": "path", "required": true,
                                        "schema": route.pathSchemas[name] ?? parameter.schema,
                                        "description": .string(parameter.description)]
            schema.write(into: &w)
        }
        for parameter in route.parameters {
            querySchema(parameter, route: route, datacenter: datacenter).write(into: &w)
        }
        w.endArray()
        if let body = route.requestBody {
            let schema = route.bodySchema ?? ["type": "object"]
            let requestBody: OpenAPIValue = [
                "description": .string(body), "required": true,
                "content": ["application/json": ["schema": schema]],
            ]
            w.key("requestBody")
            requestBody.write(into: &w)
        }
        w.key("responses")
        w.beginObject()
        for (status, description) in route.responses {
            w.key(String(status))
            var response: OpenAPIValue = ["description": .string(description)]
            if let links = OpenAPILinks.links(from: id, status: status) { response = response.setting("links", links) }
            response.write(into: &w)
        }
        w.endObject()
        w.endObject()
    }

    /// A query parameter: its kind, or an array of it when repeated, with its allowed values and
    /// constraints. Consul's `dc` takes only this server's datacenter.
    static func querySchema(_ parameter: MarathonRoute.Parameter, route: MarathonRoute, datacenter: String) -> OpenAPIValue {
        var one: OpenAPIValue = ["type": .string(parameter.kind.rawValue)]
        var allowed = parameter.allowed
        if route.tag == "consul", parameter.name == "dc" { allowed = [datacenter] }
        if !allowed.isEmpty { one = one.setting("enum", .array(allowed.map(OpenAPIValue.string))) }
        if case let .object(members)? = parameter.constraints {
            for (key, value) in members { one = one.setting(key, value) }
        }
        var result: OpenAPIValue = ["name": .string(parameter.name), "in": "query", "required": false,
                                    "description": .string(parameter.description)]
        if parameter.repeated {
            result = result.setting("schema", ["type": "array", "items": one])
            result = result.setting("style", "form").setting("explode", true)
        } else {
            result = result.setting("schema", one)
        }
        return result
    }

    /// `get_v2_apps_id_tasks` style: unique per method and path.
    static func operationId(_ route: MarathonRoute) -> String {
        let path = route.template.segments.map { segment -> String in
            switch segment {
            case let .literal(text): return text == "*" ? "all" : text
            case let .capture(name), let .path(name): return name
            }
        }
        let words = [route.method.rawValue.lowercased()] + path
        return words.joined(separator: "_").map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce(into: "") { $0.append($1) }
    }
}

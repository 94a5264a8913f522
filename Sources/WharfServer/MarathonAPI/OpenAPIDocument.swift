import Hummingbird
import WharfModel

/// `GET /openapi.json`: an OpenAPI 3.0 description of every route this API layer registers,
/// rendered from `MarathonRoutes.all` — the table the router is built from — so the document
/// cannot list a route that is not served or miss one that is.
enum OpenAPIDocument {
    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/openapi.json", tag: "system", summary: "This OpenAPI document.",
                      responses: [(200, "OpenAPI 3.0 document.")], handler: serve),
    ]

    static func serve(_ call: MarathonCall) async throws -> Response {
        MarathonResponse.json(document)
    }

    /// The rendered document; built once.
    static let document: [UInt8] = render(MarathonRoutes.all)

    /// Renders `routes` as an OpenAPI 3.0.3 document, paths in table order.
    static func render(_ routes: [MarathonRoute]) -> [UInt8] {
        var paths: [String] = []
        var byPath: [String: [MarathonRoute]] = [:]
        for route in routes {
            if byPath[route.template.template] == nil { paths.append(route.template.template) }
            byPath[route.template.template, default: []].append(route)
        }
        var w = JSONWriter(capacity: 32 * 1024)
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
            for route in byPath[path] ?? [] { writeOperation(route, into: &w) }
            w.endObject()
        }
        w.endObject()
        writeComponents(into: &w)
        w.endObject()
        return w.bytes
    }

    /// Fields of an app definition that Wharf adds to Marathon's, or whose behaviour it defines:
    /// (name, JSON type, default, description).
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

    private static func writeComponents(into w: inout JSONWriter) {
        w.key("components")
        w.beginObject()
        w.key("schemas")
        w.beginObject()
        w.key("AppDefinition")
        w.beginObject()
        w.key("type"); w.string("object")
        w.key("description"); w.string(
            "Marathon's AppDefinition (types/app.raml) with Marathon's defaults; unknown fields are ignored. "
                + "Listed here: fields Wharf adds or whose behaviour Wharf defines.")
        w.key("additionalProperties"); w.bool(true)
        w.key("properties")
        w.beginObject()
        for field in appFields {
            w.key(field.name)
            w.beginObject()
            w.key("type"); w.string(field.type)
            if let value = field.defaultValue {
                w.key("default")
                switch value {
                case "true": w.bool(true)
                case "[]": w.emptyArray()
                default: w.string(value)
                }
            }
            w.key("description"); w.string(field.description)
            w.endObject()
        }
        w.endObject()
        w.endObject()
        w.endObject()
        w.endObject()
    }

    private static func writeOperation(_ route: MarathonRoute, into w: inout JSONWriter) {
        w.key(route.method.rawValue.lowercased())
        w.beginObject()
        w.key("operationId"); w.string(operationId(route))
        w.key("summary"); w.string(route.summary)
        w.key("tags"); w.stringArray([route.tag])
        w.key("parameters")
        w.beginArray()
        for name in route.template.placeholders {
            w.beginObject()
            w.key("name"); w.string(name)
            w.key("in"); w.string("path")
            w.key("required"); w.bool(true)
            w.key("schema"); w.beginObject(); w.key("type"); w.string("string"); w.endObject()
            if RouteTemplate.pathPlaceholders.contains(name) {
                w.key("description"); w.string("Absolute or relative id; may contain slashes.")
            }
            w.endObject()
        }
        for parameter in route.parameters {
            w.beginObject()
            w.key("name"); w.string(parameter.name)
            w.key("in"); w.string("query")
            w.key("required"); w.bool(false)
            w.key("description"); w.string(parameter.description)
            w.key("schema")
            w.beginObject()
            if parameter.repeated {
                w.key("type"); w.string("array")
                w.key("items"); w.beginObject(); w.key("type"); w.string(parameter.kind.rawValue); w.endObject()
            } else {
                w.key("type"); w.string(parameter.kind.rawValue)
            }
            w.endObject()
            if parameter.repeated {
                w.key("style"); w.string("form")
                w.key("explode"); w.bool(true)
            }
            w.endObject()
        }
        w.endArray()
        if let body = route.requestBody {
            w.key("requestBody")
            w.beginObject()
            w.key("description"); w.string(body)
            w.key("required"); w.bool(true)
            w.key("content")
            w.beginObject()
            w.key("application/json"); w.beginObject(); w.key("schema"); w.beginObject()
            if body.contains("App") {
                if body.hasPrefix("[") {
                    w.key("type"); w.string("array")
                    w.key("items"); w.beginObject(); w.key("$ref"); w.string("#/components/schemas/AppDefinition"); w.endObject()
                } else {
                    w.key("$ref"); w.string("#/components/schemas/AppDefinition")
                }
            }
            w.endObject(); w.endObject()
            w.endObject()
            w.endObject()
        }
        w.key("responses")
        w.beginObject()
        for (status, description) in route.responses {
            w.key(String(status))
            w.beginObject()
            w.key("description"); w.string(description)
            w.endObject()
        }
        w.endObject()
        w.endObject()
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

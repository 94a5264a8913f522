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
        w.endObject()
        return w.bytes
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
            w.key("application/json"); w.beginObject(); w.key("schema"); w.beginObject(); w.endObject(); w.endObject()
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

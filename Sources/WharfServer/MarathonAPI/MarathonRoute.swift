import HTTPTypes
import Hummingbird

/// One operation of the Marathon API: the single description used both to register the route
/// with the router and to render it in `/openapi.json`, so the two cannot drift apart.
struct MarathonRoute: Sendable {
    /// A query parameter as the OpenAPI document shows it.
    struct Parameter: Sendable {
        enum Kind: String, Sendable { case string, boolean, integer, number }
        var name: String
        var kind: Kind
        var description: String
        var repeated: Bool
        /// The values that mean something (an OpenAPI `enum`); empty: any value of `kind`.
        var allowed: [String]
        /// Further constraints of one value (`minimum`, `pattern`, ...), merged into its schema.
        var constraints: OpenAPIValue?

        init(_ name: String, _ kind: Kind = .string, _ description: String, repeated: Bool = false,
             allowed: [String] = [], constraints: OpenAPIValue? = nil) {
            self.name = name
            self.kind = kind
            self.description = description
            self.repeated = repeated
            self.allowed = allowed
            self.constraints = constraints
        }

        static let force = Parameter("force", .boolean, "Cancel conflicting deployments instead of answering 409.")
        static let embed = Parameter(
            "embed", .string, "Extra data per app (the app., apps. and group.apps. prefixes, or none, are all accepted; "
                + "other values are ignored, as Marathon does): tasks, counts, deployments, readiness, lastTaskFailure, "
                + "failures (tasks + lastTaskFailure + deployments), taskStats (written as tasksStats).",
            repeated: true, allowed: AppEmbed.values(prefixes: ["app.", "apps.", ""]))
    }

    let method: HTTPRequest.Method
    let template: RouteTemplate
    /// One line for the OpenAPI `summary`.
    let summary: String
    let tag: String
    let parameters: [Parameter]
    /// What the body is, when the operation takes one (OpenAPI `requestBody` description).
    let requestBody: String?
    /// The body's JSON schema (usually a `$ref` to `OpenAPISchemas`), when the operation takes one.
    let bodySchema: OpenAPIValue?
    /// Schemas of path parameters that differ from `OpenAPIDocument.pathParameters`, by placeholder.
    let pathSchemas: [String: OpenAPIValue]
    /// Status codes and what they mean.
    let responses: [(Int, String)]
    let handler: @Sendable (MarathonCall) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String, tag: String, summary: String, parameters: [Parameter] = [],
         body: String? = nil, bodySchema: OpenAPIValue? = nil, pathSchemas: [String: OpenAPIValue] = [:],
         responses: [(Int, String)], handler: @escaping @Sendable (MarathonCall) async throws -> Response) {
        self.method = method
        self.template = RouteTemplate(path)
        self.summary = summary
        self.tag = tag
        self.parameters = parameters
        self.requestBody = body
        self.bodySchema = bodySchema
        self.pathSchemas = pathSchemas
        self.responses = responses
        self.handler = handler
    }

    /// Where the router registers this route: the template itself when it has no placeholders,
    /// otherwise its literal prefix followed by a recursive wildcard (ids contain slashes, so the
    /// final match is done by `RouteTemplate`).
    var routerPath: String {
        if template.isStatic { return "/" + template.literalPrefix.joined(separator: "/") }
        return "/" + (template.literalPrefix + ["**"]).joined(separator: "/")
    }
}

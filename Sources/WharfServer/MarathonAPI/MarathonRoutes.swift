import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Marathon's REST API v2 (`/v2/apps`, `/v2/tasks`, `/v2/deployments`, `/v2/groups`,
/// `/v2/queue`, `/v2/events`, `/v2/info`, `/v2/leader`, `/ping`) and `/openapi.json`.
///
/// Every route comes from `MarathonRoutes.all`, the same table `/openapi.json` is rendered from.
/// Usage: `MarathonRoutes(controlPlane: cp).register(on: router)`.
public struct MarathonRoutes: Sendable {
    let api: MarathonAPIContext

    /// Routes answering from `controlPlane`.
    public init(controlPlane: ControlPlane) {
        api = MarathonAPIContext(controlPlane: controlPlane)
    }

    /// Adds every Marathon route to `router`, plus a middleware that answers unrouted `/v2/...`
    /// paths with Marathon's JSON `{"message":"URI not found"}` (404). Router middleware applies to
    /// routes added after it, so register these before routes that must not get Marathon-style 404s.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.add(middleware: MarathonNotFoundMiddleware<Context>())
        register(Self.all, on: router)
    }

    /// Adds `routes` (only) to `router`.
    func register<Context: RequestContext>(_ routes: [MarathonRoute], on router: Router<Context>) {
        let api = self.api
        for registration in Self.registrations(of: routes) {
            let routes = registration.routes
            router.on(RouterPath(registration.path), method: registration.method) { request, context -> Response in
                await Self.dispatch(request, routes: routes, api: api,
                                    peer: (context as? any RemoteAddressRequestContext)?.remoteAddress)
            }
        }
    }

    /// Every operation, most specific template first within a resource (`/v2/apps/{id}/tasks`
    /// before `/v2/apps/{id}`), as Marathon's id regexes resolve them.
    static let all: [MarathonRoute] =
        AppsRoutes.routes + TasksRoutes.routes + TaskLogRoutes.routes + DeploymentsRoutes.routes + GroupsRoutes.routes
            + QueueRoutes.routes + EventsRoutes.routes + SystemRoutes.routes + OpenAPIDocument.routes + ConsulRoutes.routes + AgentsRoutes.routes + ServersRoutes.routes
            + MetricsRoutes.routes

    /// Routes sharing one router registration (method + router path), in table order.
    struct Registration {
        var method: HTTPRequest.Method
        var path: String
        var routes: [MarathonRoute]
    }

    /// The table grouped by what the router sees.
    static func registrations(of routes: [MarathonRoute] = all) -> [Registration] {
        var result: [Registration] = []
        for route in routes {
            if let index = result.firstIndex(where: { $0.method == route.method && $0.path == route.routerPath }) {
                result[index].routes.append(route)
            } else {
                result.append(Registration(method: route.method, path: route.routerPath, routes: [route]))
            }
        }
        return result
    }

    /// Runs the first route whose template matches the path; never throws.
    static func dispatch(_ request: Request, routes: [MarathonRoute], api: MarathonAPIContext,
                         peer: SocketAddress?) async -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        for route in routes {
            guard var parameters = route.template.match(path) else { continue }
            for (name, value) in parameters {
                parameters[name] = QueryParameters.decode(value[...], plusIsSpace: false)
            }
            let call = MarathonCall(request: request, parameters: parameters, query: QueryParameters(request.uri.query),
                                    api: api, clientIp: clientIp(request, peer: peer))
            var response: Response
            do {
                response = try await route.handler(call)
            } catch {
                response = MarathonResponse.from(error)
            }
            response.headers[leaderHeader] = api.leaderURL
            api.requests.record(route: route.template.template, method: request.method, status: response.status.code, since: start)
            return response
        }
        api.requests.record(route: APIRequestMetrics.unmatched, method: request.method, status: 404, since: start)
        return MarathonResponse.error(.uriNotFound)
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    /// Marathon's leader adds its own address to every response.
    static let leaderHeader = HTTPField.Name("X-Marathon-Leader")!

    static func clientIp(_ request: Request, peer: SocketAddress?) -> String {
        if let forwarded = request.headers[forwardedFor],
           let first = forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty {
            return first
        }
        return peer?.ipAddress ?? "unknown"
    }
}

/// Registers Marathon's REST API v2 on `router` (same as `MarathonRoutes(controlPlane:).register(on:)`).
public func addMarathonRoutes<Context: RequestContext>(to router: Router<Context>, controlPlane: ControlPlane) {
    MarathonRoutes(controlPlane: controlPlane).register(on: router)
}

/// Answers requests no route matched under `/v2/` with Marathon's JSON body instead of
/// Hummingbird's default error format.
struct MarathonNotFoundMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard request.uri.path.hasPrefix("/v2/") || request.uri.path == "/v2" else { throw error }
            return MarathonResponse.error(.uriNotFound)
        }
    }
}

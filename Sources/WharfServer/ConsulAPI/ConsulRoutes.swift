import HTTPTypes
import Hummingbird
import NIOCore
import WharfDiscovery
import WharfModel

/// Consul's HTTP API, read side, over the catalog: `/v1/catalog/{services,service/{service},nodes}`,
/// `/v1/health/service/{service}`, `/v1/agent/self`, `/v1/status/{leader,peers}` — with blocking
/// queries (`index`, `wait`) and Consul's headers — plus `/v1/wharf/routes`, the router's table for
/// external load balancers (`wharf haproxy`).
///
/// Part of `MarathonRoutes.all` (so `/openapi.json` lists them); `ConsulRoutes(source:)` registers
/// them alone, for `--consul-port` (also on agents, over their mirror of the catalog).
public struct ConsulRoutes: Sendable {
    static let indexHeader = HTTPField.Name("X-Consul-Index")!
    static let knownLeaderHeader = HTTPField.Name("X-Consul-KnownLeader")!
    static let lastContactHeader = HTTPField.Name("X-Consul-LastContact")!
    static let consistencyHeader = HTTPField.Name("X-Consul-Effective-Consistency")!

    let source: DiscoverySource

    /// The Consul routes answering from `source` (the control plane's catalog, or an agent's mirror).
    public init(source: DiscoverySource) {
        self.source = source
    }

    /// Adds only the Consul routes to `router`.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        var groups: [String: [ConsulEndpoint]] = [:]
        var order: [(HTTPRequest.Method, String)] = []
        for endpoint in Self.endpoints {
            let key = "\(endpoint.route.method) \(endpoint.route.routerPath)"
            if groups[key] == nil { order.append((endpoint.route.method, endpoint.route.routerPath)) }
            groups[key, default: []].append(endpoint)
        }
        let source = self.source
        for (method, path) in order {
            let endpoints = groups["\(method) \(path)"] ?? []
            router.on(RouterPath(path), method: method) { request, _ -> Response in
                for endpoint in endpoints {
                    guard var parameters = endpoint.route.template.match(request.uri.path) else { continue }
                    for (name, value) in parameters {
                        parameters[name] = QueryParameters.decode(value[...], plusIsSpace: false)
                    }
                    return await endpoint.handle(ConsulCall(parameters: parameters, query: QueryParameters(request.uri.query),
                                                            source: source))
                }
                return Self.text("404 page not found", status: 404)
            }
        }
    }

    /// A Consul operation: its entry in the API's table (and `/openapi.json`), and its handler.
    struct ConsulEndpoint: Sendable {
        let route: MarathonRoute
        let handle: @Sendable (ConsulCall) async -> Response
    }

    static func endpoint(_ method: HTTPRequest.Method, _ path: String, summary: String, parameters: [MarathonRoute.Parameter] = [],
                         responses: [(Int, String)], handle: @escaping @Sendable (ConsulCall) async -> Response) -> ConsulEndpoint {
        let route = MarathonRoute(method, path, tag: "consul", summary: summary, parameters: parameters, responses: responses,
                                  handler: { call in
                                      await handle(ConsulCall(parameters: call.parameters, query: call.query,
                                                              source: call.controlPlane.discoverySource))
                                  })
        return ConsulEndpoint(route: route, handle: handle)
    }

    /// The Consul operations as routes of the API.
    static let routes: [MarathonRoute] = endpoints.map(\.route)

    static let blockingParameters: [MarathonRoute.Parameter] = [
        .init("index", .integer, "Blocking query: wait until the result's X-Consul-Index is above this.",
              constraints: ["format": "int64", "minimum": 0]),
        .init("wait", .string, "Longest wait of a blocking query, a Go duration (e.g. 60s, 120000ms); default 5m, at most 10m.",
              constraints: ["pattern": .string(OpenAPISchemas.goDurationPattern)]),
        .init("dc", .string, "Datacenter; only this server's (default dc1) is known, others answer 500 as Consul does."),
    ]
    /// What a blocking read answers besides 200.
    static let blockingErrors: [(Int, String)] = [
        (400, "Invalid index or wait."), (500, "No path to datacenter: dc names another datacenter (as Consul answers)."),
    ]
    static let filterParameters: [MarathonRoute.Parameter] = [
        .init("tag", .string, "Only registrations with every given tag.", repeated: true),
    ]

    static let endpoints: [ConsulEndpoint] = [
        endpoint(.get, "/v1/catalog/services", summary: "Consul: every service name with its tags.",
                      parameters: blockingParameters, responses: [(200, "{name: [tags]}")] + blockingErrors,
                      handle: { call in await blocking(call, on: .serviceList) { snapshot, _ in ConsulRenderer(snapshot: snapshot).services() } }),
        endpoint(.get, "/v1/catalog/service/{service}", summary: "Consul: the instances of a service, flat.",
                      parameters: blockingParameters + filterParameters,
                      responses: [(200, "Array of catalog entries (empty for an unknown service).")] + blockingErrors,
                      handle: { call in
                          let name = call.parameter("service")
                          return await blocking(call, on: .service(name)) { snapshot, query in
                              ConsulRenderer(snapshot: snapshot).catalogService(snapshot.services[name], tags: query.tags)
                          }
                      }),
        endpoint(.get, "/v1/health/service/{service}", summary: "Consul: the instances of a service with their checks.",
                      parameters: blockingParameters + filterParameters + [
                          .init("passing", .boolean, "Only instances whose every check passes (running, healthy and ready)."),
                      ],
                      responses: [(200, "Array of {Node, Service, Checks}.")] + blockingErrors,
                      handle: { call in
                          let name = call.parameter("service")
                          return await blocking(call, on: .service(name)) { snapshot, query in
                              ConsulRenderer(snapshot: snapshot).healthService(snapshot.services[name], tags: query.tags, passingOnly: query.passing)
                          }
                      }),
        endpoint(.get, "/v1/catalog/nodes", summary: "Consul: the agents as nodes.",
                      parameters: blockingParameters, responses: [(200, "Array of nodes.")] + blockingErrors,
                      handle: { call in await blocking(call, on: .nodes) { snapshot, _ in ConsulRenderer(snapshot: snapshot).nodes() } }),
        endpoint(.get, "/v1/agent/self", summary: "Consul: this agent's configuration (Config.Datacenter, Config.NodeName).",
                      responses: [(200, "Object of objects.")],
                      handle: { call in json(agentSelf(call.source), index: nil) }),
        endpoint(.get, "/v1/status/leader", summary: "Consul: the leader's address, a JSON string.",
                      responses: [(200, "\"host:port\"")],
                      handle: { call in
                          var w = JSONWriter(capacity: 64)
                          w.string(call.source.leader())
                          return json(w.bytes, index: nil)
                      }),
        endpoint(.get, "/v1/status/peers", summary: "Consul: the servers' addresses.",
                      responses: [(200, "[\"host:port\"]")],
                      handle: { call in
                          var w = JSONWriter(capacity: 64)
                          w.stringArray([call.source.leader()])
                          return json(w.bytes, index: nil)
                      }),
        endpoint(.get, "/v1/wharf/routes",
                      summary: "Wharf: the edge router's table (HTTP routes by host and path, TCP routes by service port, healthy backends), for external load balancers.",
                      parameters: blockingParameters, responses: [(200, "{index, routerTcpBind?, http: [...], tcp: [...]}")] + blockingErrors,
                      handle: { call in
                          let builder = RouteTableBuilder(configuration: call.source.discovery)
                          return await blocking(call, on: .everything) { snapshot, _ in builder.json(snapshot) }
                      }),
    ]

    /// Answers a read: at once, or once the index of `topic` is above the request's `index`
    /// (or `wait` ran out — then with the unchanged result and index, as Consul does).
    static func blocking(_ call: ConsulCall, on topic: CatalogTopic,
                         render: (CatalogSnapshot, ConsulQuery) -> [UInt8]) async -> Response {
        let query: ConsulQuery
        do {
            query = try ConsulQuery(call.query)
        } catch {
            return text(error.message, status: error.status)
        }
        let catalog = call.source.catalog
        var snapshot = catalog.snapshot
        if let dc = query.datacenter, dc != snapshot.datacenter {
            return text("No path to datacenter", status: 500)
        }
        if query.index > 0 {
            snapshot = await catalog.wait(forIndexAbove: query.index, timeout: query.wait, on: topic)
        }
        return json(render(snapshot, query), index: max(1, topic.index(in: snapshot)))
    }

    static func json(_ bytes: [UInt8], index: UInt64?) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let index { headers[indexHeader] = String(index) }
        headers[knownLeaderHeader] = "true"
        headers[lastContactHeader] = "0"
        headers[consistencyHeader] = "leader"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func text(_ message: String, status: Int) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: MarathonResponse.httpStatus(status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    /// `/v1/agent/self`: an object of objects; clients mostly read `Config.Datacenter` and `Config.NodeName`.
    static func agentSelf(_ source: DiscoverySource) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key("Config")
        w.beginObject()
        w.key("Datacenter"); w.string(source.datacenter)
        w.key("PrimaryDatacenter"); w.string(source.datacenter)
        w.key("NodeName"); w.string(source.nodeName)
        w.key("NodeID"); w.string(ConsulRenderer.nodeId(source.nodeName))
        w.key("Revision"); w.string("wharf")
        w.key("Server"); w.bool(true)
        w.key("Version"); w.string("1.15.0")
        w.endObject()
        w.key("DebugConfig"); w.raw("{}".utf8)
        w.key("Coord"); w.raw(#"{"Vec":[0,0,0,0,0,0,0,0],"Error":1.5,"Adjustment":0,"Height":0.00001}"#.utf8)
        w.key("Member")
        w.beginObject()
        w.key("Name"); w.string(source.nodeName)
        w.key("Addr"); w.string(source.address)
        w.key("Port"); w.int(source.port)
        w.key("Tags"); w.stringMap(["dc": source.datacenter, "role": "consul"])
        w.key("Status"); w.int(1)
        w.endObject()
        w.key("Meta"); w.stringMap([:])
        w.endObject()
        return w.bytes
    }
}

import Testing
@testable import WharfServer

@Suite("Marathon API: route templates and the route table", .timeLimit(.minutes(3)))
struct RouteTableTests {
    @Test("{id} spans slashes, other placeholders one segment")
    func templates() {
        let tasks = RouteTemplate("/v2/apps/{id}/tasks/{taskId}")
        #expect(tasks.match("/v2/apps/shop/web/tasks/t1") == ["id": "shop/web", "taskId": "t1"])
        #expect(tasks.match("/v2/apps/web/tasks/t1") == ["id": "web", "taskId": "t1"])
        #expect(tasks.match("/v2/apps/tasks/t1") == nil)
        #expect(tasks.match("/v2/apps/web/tasks") == nil)
        let app = RouteTemplate("/v2/apps/{id}")
        #expect(app.match("/v2/apps/a/b/c") == ["id": "a/b/c"])
        #expect(app.match("/v2/apps/a/b/c/") == ["id": "a/b/c"])
        #expect(app.match("/v2/apps") == nil)
        #expect(RouteTemplate("/v2/apps/{group}/*").match("/v2/apps/shop/*") == ["group": "shop"])
        #expect(RouteTemplate("/v2/apps/{group}/*").match("/v2/apps/shop/web") == nil)
        #expect(RouteTemplate("/v2/queue/{id}/delay").match("/v2/queue/a/b/delay") == ["id": "a/b"])
        #expect(RouteTemplate("/v2/info").match("/v2/info") == [:])
    }

    @Test("router registration: static templates as they are, others under a recursive wildcard")
    func registration() {
        let routes = MarathonRoutes.all
        #expect(routes.first { $0.template.template == "/v2/apps/{id}/tasks" }?.routerPath == "/v2/apps/**")
        #expect(routes.first { $0.template.template == "/v2/tasks/delete" }?.routerPath == "/v2/tasks/delete")
        #expect(routes.first { $0.template.template == "/v2/queue/{id}/delay" }?.routerPath == "/v2/queue/**")
        let registrations = MarathonRoutes.registrations()
        #expect(registrations.reduce(0) { $0 + $1.routes.count } == routes.count)
        #expect(Set(registrations.map { "\($0.method.rawValue) \($0.path)" }).count == registrations.count)
    }

    /// A concrete path for `template`: `{id}` → `shop/web`, other placeholders → `x1`.
    static func sample(_ template: RouteTemplate) -> String {
        "/" + template.segments.map { segment -> String in
            switch segment {
            case let .literal(text): return text
            case .path: return "shop/web"
            case .capture: return "2024-01-01T00:00:00.000Z"
            }
        }.joined(separator: "/")
    }

    @Test("every route is reached by a path of its own shape: no earlier route of its registration shadows it")
    func noShadowing() {
        for registration in MarathonRoutes.registrations() {
            for route in registration.routes {
                let path = Self.sample(route.template)
                let chosen = registration.routes.first { $0.template.match(path) != nil }
                #expect(chosen?.template == route.template, "\(route.method.rawValue) \(path) is taken by \(chosen?.template.template ?? "nothing")")
            }
        }
    }

    @Test("method and template pairs are unique")
    func unique() {
        let keys = MarathonRoutes.all.map { "\($0.method.rawValue) \($0.template.template)" }
        #expect(Set(keys).count == keys.count)
    }
}

import Testing
import WharfDiscovery
import WharfModel

@Suite("Catalog", .timeLimit(.minutes(3)))
struct CatalogTests {
    static func app(_ id: String, labels: [String: String] = [:], ports: [PortDefinition] = [PortDefinition(port: 10001)]) -> AppDefinition {
        var app = AppDefinition(id: PathId(id, relativeTo: .root))
        app.labels = labels
        app.portDefinitions = ports
        return app
    }

    static func member(_ app: AppDefinition, _ n: Int, ports: [Int], health: CatalogHealth = .passing) -> CatalogMember {
        let instance = Instance(id: "\(app.id.safeName).instance-\(n)", appId: app.id, appVersion: Timestamp(millis: 1),
                                configVersion: Timestamp(millis: 1), agentId: "local", host: "127.0.0.1", ports: ports,
                                resources: app.resources, state: .running, stagedAt: Timestamp(millis: 1))
        return CatalogMember(instance: instance, health: health, output: health == .passing ? "ok" : "failing")
    }

    @Test("service names follow the app id, ports after the first get a suffix, labels override")
    func naming() {
        let web = Self.app("/shop/web", ports: [PortDefinition(port: 10001, name: "http"), PortDefinition(port: 10002, name: "admin"),
                                                PortDefinition(port: 10003)])
        let services = CatalogService.services(of: web, members: [Self.member(web, 1, ports: [20001, 20002, 20003])])
        #expect(services.map(\.name) == ["shop-web", "shop-web-admin", "shop-web-2"])
        #expect(services.map { $0.endpoints.first?.port } == [20001, 20002, 20003])
        #expect(services.map(\.servicePort) == [10001, 10002, 10003])

        let named = Self.app("/shop/web", labels: ["consul": "storefront", "prod": "tag", "wharf.tags": "a, b"])
        let service = CatalogService.services(of: named, members: [])[0]
        #expect(service.name == "storefront")
        #expect(service.tags == ["a", "b", "prod"])

        let bad = Self.app("/shop/web", labels: ["wharf.service.name": "no spaces allowed"])
        let fallback = CatalogService.services(of: bad, members: [])[0]
        #expect(fallback.name == "shop-web")
        #expect(fallback.routeErrors.count == 1)
    }

    @Test("an app without ports is one service with port 0")
    func portless() {
        let worker = Self.app("/batch/worker", ports: [])
        let services = CatalogService.services(of: worker, members: [Self.member(worker, 1, ports: [])])
        #expect(services.count == 1)
        #expect(services[0].portIndex == nil)
        #expect(services[0].endpoints.map(\.port) == [0])
        #expect(!services[0].routesTCP)
    }

    @Test("route labels: Wharf's and marathon-lb's, invalid values rejected with a reason")
    func routeLabels() {
        let app = Self.app("/web", labels: [
            "wharf.http.host": "Shop.Example.com, bad_host!", "wharf.http.path": "/api /v2",
            "HAPROXY_0_VHOST": "legacy.example.com", "HAPROXY_0_PATH": "no-slash",
        ])
        let service = CatalogService.services(of: app, members: [])[0]
        #expect(service.httpRoutes.contains(HTTPRouteRule(hosts: ["shop.example.com"], paths: ["/api", "/v2"])))
        // The marathon-lb rule keeps its valid host; its only path was invalid, so it is dropped.
        #expect(service.httpRoutes.count == 1)
        #expect(service.routeErrors.count == 2)
        #expect(service.routeErrors.contains { $0.contains("bad_host!") })
        #expect(service.routeErrors.contains { $0.contains("no-slash") })
    }

    @Test("requirePorts apps listen on their service port themselves: no TCP route")
    func requirePorts() {
        var app = Self.app("/fixed")
        app.requirePorts = true
        #expect(!CatalogService.services(of: app, members: [])[0].routesTCP)
        #expect(CatalogService.services(of: Self.app("/free"), members: [])[0].routesTCP)
    }

    @Test("indexes only advance for what changed; removed names remember when")
    func indexes() {
        let catalog = Catalog(startIndex: 100)
        let web = Self.app("/web"), api = Self.app("/api")
        catalog.replace([web.id: CatalogService.services(of: web, members: [Self.member(web, 1, ports: [20001])])])
        let first = catalog.snapshot
        #expect(first.index == 101)
        #expect(first.servicesIndex == 101)
        #expect(first.index(ofService: "web") == 101)

        // The same content again changes nothing.
        catalog.replace([web.id: CatalogService.services(of: web, members: [Self.member(web, 1, ports: [20001])])])
        #expect(catalog.snapshot.index == 101)

        catalog.replace([api.id: CatalogService.services(of: api, members: [])])
        #expect(catalog.snapshot.index(ofService: "web") == 101)
        #expect(catalog.snapshot.index(ofService: "api") == 102)

        // A health change moves the service's index but not the list of names.
        catalog.replace([web.id: CatalogService.services(of: web, members: [Self.member(web, 1, ports: [20001], health: .critical)])])
        #expect(catalog.snapshot.index(ofService: "web") == 103)
        #expect(catalog.snapshot.servicesIndex == 102)

        catalog.replace([web.id: []])
        #expect(catalog.snapshot.services["web"] == nil)
        #expect(catalog.snapshot.index(ofService: "web") == 104)
        #expect(catalog.snapshot.servicesIndex == 104)
    }

    @Test("apps sharing a name are one service with every endpoint")
    func sharedName() {
        let blue = Self.app("/blue", labels: ["consul": "shop"]), green = Self.app("/green", labels: ["consul": "shop"])
        let catalog = Catalog(startIndex: 1)
        catalog.replace([
            blue.id: CatalogService.services(of: blue, members: [Self.member(blue, 1, ports: [20001])]),
            green.id: CatalogService.services(of: green, members: [Self.member(green, 1, ports: [20002])]),
        ])
        #expect(catalog.snapshot.services["shop"]?.endpoints.map(\.port) == [20001, 20002])
        catalog.replace([blue.id: []])
        #expect(catalog.snapshot.services["shop"]?.endpoints.map(\.port) == [20002])
    }

    @Test("a blocking wait returns as soon as the watched index moves, and ignores other changes")
    func blockingWait() async {
        let catalog = Catalog(startIndex: 10)
        let web = Self.app("/web"), other = Self.app("/other")
        catalog.replace([web.id: CatalogService.services(of: web, members: [])])
        let index = catalog.snapshot.index(ofService: "web")
        let waiter = Task { await catalog.wait(forIndexAbove: index, timeout: .seconds(30), on: .service("web")) }
        let everything = Task { await catalog.wait(forIndexAbove: catalog.snapshot.index, timeout: .seconds(30), on: .everything) }
        await Self.waitUntil { catalog.waitingCount == 2 }
        // Unrelated churn answers the query on everything, but not the one on "web": the result it
        // watches has not changed, and it is not even woken (it stays parked throughout).
        catalog.replace([other.id: CatalogService.services(of: other, members: [])])
        #expect(catalog.waitingCount == 1, "right after the change: only the query on everything was taken off to answer")
        #expect(await everything.value.services["other"] != nil)
        #expect(catalog.waitingCount == 1)
        catalog.replace([web.id: CatalogService.services(of: web, members: [Self.member(web, 1, ports: [20001])])])
        let result = await waiter.value
        #expect(result.index(ofService: "web") > index)
        #expect(result.services["web"]?.endpoints.count == 1)
    }

    @Test("close() ends parked waits at once and later ones return immediately")
    func close() async {
        let catalog = Catalog(startIndex: 10)
        let waiter = Task { await catalog.wait(forIndexAbove: 10, timeout: .seconds(60), on: .everything) }
        await Self.waitUntil { catalog.waitingCount == 1 }
        let start = ContinuousClock.now
        catalog.close()
        #expect(await waiter.value.index == 10)
        #expect(await catalog.wait(forIndexAbove: 10, timeout: .seconds(60), on: .everything).index == 10)
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    /// Polls `condition` every millisecond for up to 10 s.
    static func waitUntil(_ condition: () -> Bool) async {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(1)) }
    }

    @Test("a blocking wait times out with the unchanged snapshot")
    func blockingTimeout() async {
        let catalog = Catalog(startIndex: 10)
        let start = ContinuousClock.now
        let result = await catalog.wait(forIndexAbove: 10, timeout: .milliseconds(100), on: .everything)
        #expect(result.index == 10)
        #expect(ContinuousClock.now - start >= .milliseconds(100))
    }

    @Test("change streams get the current snapshot, then every change")
    func changes() async {
        let catalog = Catalog(startIndex: 5)
        var iterator = catalog.changes().makeAsyncIterator()
        #expect(await iterator.next()?.index == 5)
        catalog.setNodes([CatalogNode(name: "local", address: "127.0.0.1")])
        let next = await iterator.next()
        #expect(next?.index == 6)
        #expect(next?.nodes["local"]?.address == "127.0.0.1")
    }

    @Test("the index starts from the wall clock, so it never goes backwards across restarts")
    func startIndex() {
        #expect(Catalog().snapshot.index > 1_700_000_000_000)
    }
}

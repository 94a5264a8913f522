import Foundation
import Testing
import WharfDiscovery
import WharfModel
@testable import WharfServer

@Suite("Consul API: query options, rendering, route table", .timeLimit(.minutes(3)))
struct ConsulAPITests {
    @Test("wait is a Go duration capped at 10 min; none or ≤ 0 means Consul's 5 min default")
    func waitParsing() throws {
        #expect(ConsulQuery.parseGoDuration("120000ms") == .seconds(120))
        #expect(ConsulQuery.parseGoDuration("1h2m3.5s") == .milliseconds(3_723_500))
        #expect(ConsulQuery.parseGoDuration("0") == .zero)
        #expect(ConsulQuery.parseGoDuration("10") == nil)
        #expect(ConsulQuery.parseGoDuration("5x") == nil)
        #expect(ConsulQuery.parseGoDuration("") == nil)
        // Jitter adds at most wait/16.
        let short = try ConsulQuery(QueryParameters("index=5&wait=16s"))
        #expect(short.index == 5)
        #expect(short.wait >= .seconds(16) && short.wait <= .seconds(17))
        #expect(try ConsulQuery(QueryParameters("wait=1h")).wait <= .milliseconds(600_000 + 600_000 / 16))
        #expect(try ConsulQuery(QueryParameters("wait=0s")).wait >= .seconds(300))
        #expect(try ConsulQuery(QueryParameters("")).wait >= .seconds(300))
    }

    @Test("bad index or wait is a 400 with Consul's wording; passing and repeated tags are read")
    func options() throws {
        #expect(throws: ConsulAPIError.self) { try ConsulQuery(QueryParameters("index=abc")) }
        #expect(throws: ConsulAPIError.self) { try ConsulQuery(QueryParameters("wait=soon")) }
        #expect(throws: ConsulAPIError.self) { try ConsulQuery(QueryParameters("filter=Service.Port==80")) }
        let query = try ConsulQuery(QueryParameters("passing&tag=a&tag=b&dc=dc1"))
        #expect(query.passing)
        #expect(query.tags == ["a", "b"])
        #expect(query.datacenter == "dc1")
        #expect(try !ConsulQuery(QueryParameters("passing=false")).passing)
    }

    static func app(_ id: String, labels: [String: String] = [:], ports: [PortDefinition]) -> AppDefinition {
        var app = AppDefinition(id: PathId(id, relativeTo: .root))
        app.labels = labels
        app.portDefinitions = ports
        return app
    }

    static func instance(_ app: AppDefinition, _ n: Int, ports: [Int]) -> Instance {
        Instance(id: "\(app.id.safeName).instance-\(n)", appId: app.id, appVersion: Timestamp(millis: 1),
                 configVersion: Timestamp(millis: 1), agentId: "local", host: "127.0.0.1", ports: ports,
                 resources: app.resources, state: .running, stagedAt: Timestamp(millis: 1))
    }

    @Test("route table: label hosts and <service>.<domain>, passing backends only, TCP on service ports")
    func routeTable() {
        let web = Self.app("/shop/web", labels: ["wharf.http.host": "shop.example.com", "wharf.http.path": "/api"],
                           ports: [PortDefinition(port: 10005, name: "http"), PortDefinition(port: 10006, name: "admin")])
        let members = [
            CatalogMember(instance: Self.instance(web, 1, ports: [20001, 20002]), health: .passing, output: "ok"),
            CatalogMember(instance: Self.instance(web, 2, ports: [20003, 20004]), health: .critical, output: "starting"),
        ]
        let catalog = Catalog(startIndex: 1)
        catalog.replace([web.id: CatalogService.services(of: web, members: members)])
        let table = RouteTableBuilder(configuration: DiscoveryConfiguration()).table(catalog.snapshot)
        #expect(Set(table.http.map { "\($0.hosts) \($0.pathPrefix)" }) == ["[\"shop.example.com\"] /api", "[\"shop-web.localhost\"] /"])
        #expect(table.http.allSatisfy { $0.backends.map(\.port) == [20001] })
        #expect(Set(table.tcp.map(\.port)) == [10005, 10006])
        #expect(table.tcp.first { $0.port == 10006 }?.backends.map(\.port) == [20002])

        var noTCP = DiscoveryConfiguration(routerDomain: nil, tcpRoutes: false)
        let labelsOnly = RouteTableBuilder(configuration: noTCP).table(catalog.snapshot)
        #expect(labelsOnly.http.count == 1)
        #expect(labelsOnly.tcp.isEmpty)
        noTCP.routerGroups = ["external"]
        #expect(RouteTableBuilder(configuration: noTCP).table(catalog.snapshot).http.isEmpty)
    }

    @Test("health JSON: Consul's shapes, one check per endpoint, passing filters, per-port service ids")
    func healthRendering() throws {
        let web = Self.app("/web", labels: ["prod": "tag"], ports: [PortDefinition(port: 10005), PortDefinition(port: 10006, name: "admin")])
        let catalog = Catalog(startIndex: 1)
        catalog.replace([web.id: CatalogService.services(of: web, members: [
            CatalogMember(instance: Self.instance(web, 1, ports: [20001, 20002]), health: .passing, output: "ok"),
            CatalogMember(instance: Self.instance(web, 2, ports: [20003, 20004]), health: .critical, output: "failing"),
        ])])
        catalog.setNodes([CatalogNode(name: "local", address: "127.0.0.1")])
        let snapshot = catalog.snapshot
        let renderer = ConsulRenderer(snapshot: snapshot)
        let all = try Self.objects(renderer.healthService(snapshot.services["web"], tags: [], passingOnly: false))
        #expect(all.count == 2)
        let service = all[0]["Service"] as? [String: Any]
        #expect(service?["Port"] as? Int == 20001)
        #expect(service?["Tags"] as? [String] == ["prod"])
        #expect((all[0]["Node"] as? [String: Any])?["TaggedAddresses"] as? [String: String] != nil)
        let checks = all[1]["Checks"] as? [[String: Any]]
        #expect(checks?.last?["Status"] as? String == "critical")
        #expect(checks?.last?["Output"] as? String == "failing")
        #expect(try Self.objects(renderer.healthService(snapshot.services["web"], tags: [], passingOnly: true)).count == 1)
        #expect(try Self.objects(renderer.healthService(snapshot.services["web"], tags: ["other"], passingOnly: false)).isEmpty)
        let admin = try Self.objects(renderer.catalogService(snapshot.services["web-admin"], tags: []))
        #expect(admin.first?["ServiceID"] as? String == "web.instance-1:admin")
        #expect(admin.first?["ServicePort"] as? Int == 20002)
        #expect(ConsulRenderer.nodeId("local").count == 36)
    }

    static func objects(_ bytes: [UInt8]) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
    }

    @Test("ports of a previous definition are matched by name when a deployment reorders them")
    func remappedPorts() {
        let old = Self.app("/web", ports: [PortDefinition(port: 0, name: "http"), PortDefinition(port: 0, name: "admin")])
        let new = Self.app("/web", ports: [PortDefinition(port: 0, name: "admin"), PortDefinition(port: 0, name: "http"),
                                           PortDefinition(port: 0, name: "metrics")])
        #expect(CatalogService.remapPorts([20001, 20002], from: old, to: new) == [20002, 20001, 0])
        #expect(CatalogService.remapPorts([20001, 20002], from: old, to: old) == [20001, 20002])
    }
}

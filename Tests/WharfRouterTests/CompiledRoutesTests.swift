import NIOCore
import Testing
@testable import WharfRouter

@Suite(.timeLimit(.minutes(3))) struct CompiledRoutesTests {
    private func compile(_ routes: [HTTPRoute]) -> CompiledRoutes {
        CompiledRoutes(table: RouteTable(http: routes)) { backends, _ in backends.map { BackendSlot(backend: $0) } }
    }

    private let backend = Backend(id: "b", host: "127.0.0.1", port: 1)

    @Test func exactHostBeatsWildcardAndLongestPrefixWins() {
        let routes = self.compile([
            HTTPRoute(name: "any", hosts: [], pathPrefix: "/api/v2", backends: [self.backend]),
            HTTPRoute(name: "root", hosts: ["A.test"], pathPrefix: "/", backends: [self.backend]),
            HTTPRoute(name: "api", hosts: ["a.test"], pathPrefix: "/api", backends: [self.backend]),
        ])
        #expect(routes.route(host: "a.test", uri: "/api/v2/x")?.name == "api")
        #expect(routes.route(host: "a.test", uri: "/other")?.name == "root")
        #expect(routes.route(host: "b.test", uri: "/api/v2/x")?.name == "any")
        #expect(routes.route(host: "b.test", uri: "/api") == nil)
    }

    @Test func hostNormalization() {
        #expect(CompiledRoutes.normalize(host: "Example.COM:8080") == "example.com")
        #expect(CompiledRoutes.normalize(host: "example.com.") == "example.com")
        #expect(CompiledRoutes.normalize(host: "[::1]:80") == "[::1]")
        #expect(CompiledRoutes.normalize(host: "") == "")
    }

    @Test func roundRobinSkipsEjectedBackendsUnlessAllAre() {
        let first = BackendSlot(backend: Backend(id: "1", host: "127.0.0.1", port: 1))
        let second = BackendSlot(backend: Backend(id: "2", host: "127.0.0.1", port: 2))
        let route = CompiledRoute(name: "r", pathPrefix: "/", slots: [first, second], balance: .roundRobin)
        first.eject(until: NIODeadline.now() + TimeAmount.seconds(60))
        for _ in 0..<4 {
            let picked = route.pick(excluding: [], now: .now())
            #expect(picked === second)
            picked?.release()
        }
        second.eject(until: NIODeadline.now() + TimeAmount.seconds(60))
        #expect(route.pick(excluding: [], now: .now()) != nil)
    }

    @Test func leastConnectionsPicksIdleBackend() {
        let busy = BackendSlot(backend: Backend(id: "busy", host: "127.0.0.1", port: 1))
        let idle = BackendSlot(backend: Backend(id: "idle", host: "127.0.0.1", port: 2))
        let route = CompiledRoute(name: "r", pathPrefix: "/", slots: [busy, idle], balance: .leastConnections)
        busy.acquire()
        busy.acquire()
        for _ in 0..<3 {
            let picked = route.pick(excluding: [], now: .now())
            #expect(picked === idle)
            picked?.release()
        }
    }

    @Test func slotsSurviveTableUpdates() {
        let store = RouteStore()
        let table = RouteTable(version: 1, http: [HTTPRoute(name: "r", hosts: [], pathPrefix: "/", backends: [self.backend])])
        let first = store.replace(with: table)
        #expect(first != nil)
        #expect(store.replace(with: table) == nil)
        let slots = store.liveSlots
        var next = table
        next.version = 2
        let second = store.replace(with: next)
        #expect(second?.released.isEmpty == true)
        #expect(store.liveSlots == slots)
    }

    @Test("an update takes unchanged routes over as they are and releases only the backends no route names")
    func incrementalUpdate() {
        let store = RouteStore()
        let a = Backend(id: "a", host: "127.0.0.1", port: 9001)
        let b = Backend(id: "b", host: "127.0.0.1", port: 9002)
        let shared = Backend(id: "s", host: "127.0.0.1", port: 9003)
        let web = HTTPRoute(name: "web", hosts: ["web.example"], pathPrefix: "/", backends: [a, shared])
        let api = HTTPRoute(name: "api", hosts: ["api.example"], pathPrefix: "/", backends: [b, shared])
        let db = TCPRoute(name: "db", port: 15432, backends: [b])
        let first = store.replace(with: RouteTable(version: 1, http: [web, api], tcp: [db]))
        #expect(first?.compiled.fresh.count == 3)
        let webRoute = first?.compiled.route(host: "web.example", uri: "/")
        let dbRoute = first?.compiled.tcpByPort[15432]

        // A route is inserted in front (positions shift) and api loses b: web and db are taken over.
        let blog = HTTPRoute(name: "blog", hosts: ["blog.example"], pathPrefix: "/", backends: [a])
        var thinner = api
        thinner.backends = [shared]
        let second = store.replace(with: RouteTable(version: 2, http: [blog, web, thinner], tcp: [db]))
        #expect(second?.compiled.fresh.map(\.name).sorted() == ["api", "blog"])
        #expect(second?.compiled.dropped.isEmpty == true, "api is succeeded by its new version, not dropped")
        #expect(second?.compiled.route(host: "web.example", uri: "/") === webRoute)
        #expect(second?.compiled.tcpByPort[15432] === dbRoute)
        #expect(second?.released.isEmpty == true, "b is still named by the TCP route")
        #expect(second?.compiled.route(host: "api.example", uri: "/")?.slots.map(\.backend) == [shared])

        // The TCP route goes: b is named by no route any more, and only it is released.
        let bSlot = dbRoute?.slots.first.map(ObjectIdentifier.init)
        let third = store.replace(with: RouteTable(version: 3, http: [blog, web, thinner]))
        #expect(third?.released == Set([bSlot].compactMap { $0 }))
        #expect(store.liveSlots.count == 2, "a and the shared backend")
    }

    @Test("a big route whose backends change keeps the slots of the backends it keeps, in one walk or without id order")
    func changedBackendsKeepTheirSlots() throws {
        let store = RouteStore()
        func backends(_ ids: [Int]) -> [Backend] {
            ids.map { Backend(id: "task-\(String(format: "%05d", $0))", host: "127.0.0.1", port: 20_000 + $0) }
        }
        let route = HTTPRoute(name: "big", hosts: ["big.example"], pathPrefix: "/", backends: backends(Array(0..<1000)))
        let first = try #require(store.replace(with: RouteTable(version: 1, http: [route])))
        let before = try #require(first.compiled.route(host: "big.example", uri: "/")).slots
        let slotOf = Dictionary(uniqueKeysWithValues: before.map { ($0.backend, ObjectIdentifier($0)) })

        // 100 backends leave, 100 arrive, one keeps its id but moves to another port.
        var changed = route
        changed.backends = backends(Array(100..<1100))
        changed.backends[500].port = 1
        let second = try #require(store.replace(with: RouteTable(version: 2, http: [changed])))
        let slots = try #require(second.compiled.route(host: "big.example", uri: "/")).slots
        #expect(slots.map(\.backend) == changed.backends)
        #expect(slots.filter { slotOf[$0.backend] == ObjectIdentifier($0) }.count == 899)
        #expect(second.released == Set(before.filter { !changed.backends.contains($0.backend) }.map(ObjectIdentifier.init)))
        #expect(second.released.count == 101)
        #expect(store.liveSlots == Set(slots.map(ObjectIdentifier.init)))

        // Not in id order (the walk does not apply): the same slots, nothing released.
        var reversed = changed
        reversed.backends.reverse()
        let third = try #require(store.replace(with: RouteTable(version: 3, http: [reversed])))
        #expect(third.released.isEmpty)
        #expect(Set(try #require(third.compiled.route(host: "big.example", uri: "/")).slots.map(ObjectIdentifier.init))
            == Set(slots.map(ObjectIdentifier.init)))
        #expect(store.liveSlots == Set(slots.map(ObjectIdentifier.init)))
    }
}

import Foundation
import Testing
import WharfDiscovery
import WharfModel

/// A catalog on another node follows the control plane's through deltas, with the same indexes.
@Suite("Catalog mirrors", .timeLimit(.minutes(2)))
struct CatalogMirrorTests {
    static func services(_ id: String, instances: Int, health: CatalogHealth = .passing) -> [CatalogService] {
        let app = CatalogTests.app(id)
        return CatalogService.services(of: app, members: (0..<instances).map {
            CatalogTests.member(app, $0, ports: [20000 + $0], health: health)
        })
    }

    /// The parts of a snapshot a reader sees.
    static func same(_ a: CatalogSnapshot, _ b: CatalogSnapshot) -> Bool {
        a.index == b.index && a.services == b.services && a.servicesIndex == b.servicesIndex && a.nodes == b.nodes
            && a.nodesIndex == b.nodesIndex && a.datacenter == b.datacenter
            && a.allServices.map(\.name).allSatisfy { a.index(ofService: $0) == b.index(ofService: $0) }
    }

    /// Through JSON, as the agent link carries it.
    static func wire(_ delta: CatalogDelta) throws -> CatalogDelta {
        try JSONDecoder().decode(CatalogDelta.self, from: JSONEncoder().encode(delta))
    }

    @Test("a full copy then deltas keep the mirror equal to the source, indexes included")
    func deltasFollowTheSource() throws {
        let source = Catalog(datacenter: "east", startIndex: 1000)
        let mirror = Catalog(startIndex: 1)
        source.replace([PathId("/web"): Self.services("/web", instances: 2), PathId("/db"): Self.services("/db", instances: 1)])
        source.setNodes([CatalogNode(name: "a1", address: "127.0.0.2")])
        #expect(mirror.apply(try Self.wire(source.snapshot.delta(since: 0))))
        #expect(Self.same(mirror.snapshot, source.snapshot))

        var held = mirror.snapshot.index
        source.replace([PathId("/web"): Self.services("/web", instances: 3)])
        source.replace([PathId("/db"): []])
        source.setNodes([CatalogNode(name: "a1", address: "127.0.0.2"), CatalogNode(name: "a2", address: "127.0.0.3")])
        let delta = source.snapshot.delta(since: held)
        #expect(delta.services.map(\.name) == ["web"], "only what changed travels")
        #expect(delta.removed.keys.sorted() == ["db"])
        #expect(mirror.apply(try Self.wire(delta)))
        #expect(Self.same(mirror.snapshot, source.snapshot))
        #expect(mirror.snapshot.services["db"] == nil)

        held = mirror.snapshot.index
        source.replace([PathId("/db"): Self.services("/db", instances: 1)])
        #expect(mirror.apply(source.snapshot.delta(since: held)))
        #expect(Self.same(mirror.snapshot, source.snapshot))
    }

    @Test("a delta that does not start at the mirror's index changes nothing; a full copy always applies")
    func gapsNeedAFullCopy() {
        let source = Catalog(startIndex: 50)
        let mirror = Catalog(startIndex: 1)
        source.replace([PathId("/web"): Self.services("/web", instances: 1)])
        mirror.apply(source.snapshot.delta(since: 0))
        let before = mirror.snapshot
        source.replace([PathId("/web"): Self.services("/web", instances: 2)])
        // The mirror missed the change to index `skipped`.
        let skipped = source.snapshot.index
        source.replace([PathId("/web"): Self.services("/web", instances: 3)])
        #expect(!mirror.apply(source.snapshot.delta(since: skipped)))
        #expect(Self.same(mirror.snapshot, before))
        #expect(mirror.apply(source.snapshot.delta(since: 0)))
        #expect(mirror.snapshot.services["web"]?.endpoints.count == 3)
    }

    @Test("a blocking wait on the mirror wakes when a delta arrives")
    func watchersWake() async throws {
        let source = Catalog(startIndex: 10)
        let mirror = Catalog(startIndex: 1)
        mirror.apply(source.snapshot.delta(since: 0))
        let held = mirror.snapshot.index
        let waiting = Task { await mirror.wait(forIndexAbove: held, timeout: .seconds(20), on: .service("web")) }
        try await Task.sleep(for: .milliseconds(50))
        source.replace([PathId("/web"): Self.services("/web", instances: 1)])
        mirror.apply(source.snapshot.delta(since: held))
        let woke = await waiting.value
        #expect(woke.services["web"]?.endpoints.count == 1)
    }
}

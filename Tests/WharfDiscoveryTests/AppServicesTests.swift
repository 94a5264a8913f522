import Testing
import WharfDiscovery
import WharfModel

/// `AppServices` keeps an app's services member by member; at every step they must equal what a
/// full build of the same members gives.
@Suite("App services kept member by member")
struct AppServicesTests {
    typealias F = CatalogTests

    @Test("adding, changing and removing members one at a time gives what a full build gives")
    func incrementalEqualsFull() {
        let web = F.app("/shop/web", ports: [PortDefinition(port: 10001, name: "http"), PortDefinition(port: 10002)])
        let lone = F.app("/lone", ports: [])
        var generator = SystemRandomNumberGenerator()
        for app in [web, lone] {
            var members: [Int: CatalogMember] = [:]
            var kept = AppServices(app: app, members: [])
            for step in 0..<300 {
                let n = Int.random(in: 0..<40, using: &generator)
                let expectedChange: Bool
                if members[n] != nil, step % 3 == 0 {
                    members[n] = nil
                    expectedChange = kept.remove(F.member(app, n, ports: []).instance.id)
                } else {
                    let health: CatalogHealth = Bool.random(using: &generator) ? .passing : .critical
                    let member = F.member(app, n, ports: [20000 + n, 30000 + n], health: health)
                    let before = members[n]
                    members[n] = member
                    let changed = kept.upsert(member)
                    expectedChange = changed == (before == nil || before?.health != health)
                }
                #expect(expectedChange, "upsert and remove say whether anything changed")
                #expect(kept.services == CatalogService.services(of: app, members: Array(members.values)), "step \(step)")
            }
            let removedStranger = kept.remove("not-a-member")
            #expect(!removedStranger)
        }
    }
}

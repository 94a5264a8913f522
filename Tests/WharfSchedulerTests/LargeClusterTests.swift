import Testing
@testable import WharfScheduler
import WharfModel

@Suite(.timeLimit(.minutes(3))) struct LargeClusterTests {
    /// 2,000 agents and 20,000 instances of 200 apps in one call: everything is placed, nothing is
    /// overcommitted, no port is used twice on an agent, constraints hold, and deciding again on the
    /// result asks for nothing.
    @Test func thousandsOfAgents() {
        let view = SchedulerBenchmark.makeView(agents: 2000, instances: 20_000, apps: 200)
        var h = Harness(apps: view.apps, agents: view.agents)
        let d = h.decide()
        #expect(d.launches.count == 20_000)
        #expect(d.waiting.isEmpty)
        #expect(Set(d.launches.map(\.id)).count == 20_000)
        h.apply(d)
        h.checkInvariants()

        let rackOf = Dictionary(uniqueKeysWithValues: view.agents.map { ($0.id, $0.attributes["rack"]!) })
        for app in view.apps {
            let mine = h.instances.filter { $0.appId == app.id }
            #expect(mine.count == app.instances)
            guard let constraint = app.constraints.first else { continue }
            switch constraint.op {
            case .unique:
                #expect(Set(mine.map(\.agentId)).count == mine.count, "\(app.id) UNIQUE hostname")
            case .groupBy:
                var perRack: [String: Int] = [:]
                for instance in mine { perRack[rackOf[instance.agentId]!, default: 0] += 1 }
                let counts = perRack.values
                #expect(counts.max()! - counts.min()! <= 1, "\(app.id) GROUP_BY rack: \(perRack)")
            default:
                break
            }
        }

        let again = h.decide()
        #expect(again.launches.isEmpty)
        #expect(again.kills.isEmpty)

        // Half of one app's instances fail; exactly those are replaced.
        let victim = view.apps[3].id
        let failed = h.instances.filter { $0.appId == victim }.prefix(50).map(\.id)
        h.instances.removeAll { failed.contains($0.id) }
        let replaced = h.decide()
        #expect(replaced.launches.count == failed.count)
        #expect(replaced.launches.allSatisfy { $0.appId == victim })
        h.apply(replaced)
        h.checkInvariants()
    }

    /// A nearly full cluster: the scheduler fills what fits, reports the rest, and never overcommits.
    @Test func fullClusterReportsNoFit() {
        let agents = (0..<500).map { Fixture.agent("a\($0)", cpus: 2, mem: 2048) }
        let apps = (0..<10).map { Fixture.app("/a\($0)", instances: 150, cpus: 0.7, mem: 300) }
        var h = Harness(apps: apps, agents: agents)
        let d = h.decide()
        // 2 per agent fit by CPU (0.7 * 3 > 2).
        #expect(d.launches.count == 1000)
        #expect(d.waiting.map(\.count).reduce(0, +) == 500)
        for entry in d.waiting {
            guard case .noFit(let rejections, let considered) = entry.reason else {
                Issue.record("unexpected reason \(entry.reason)")
                continue
            }
            #expect(considered == 500)
            #expect(rejections["InsufficientCpus"] == 500)
        }
        h.apply(d)
        h.checkInvariants()
        #expect(h.decide().launches.isEmpty)
    }
}

import Testing
@testable import WharfScheduler
import WharfModel

@Suite(.timeLimit(.minutes(3))) struct ConstraintTests {
    /// Six agents over three racks: a0,a1 in r1; a2,a3 in r2; a4,a5 in r3. a4 and a5 are "gpu" nodes.
    static let rackAgents: [AgentInfo] = (0..<6).map {
        Fixture.agent("a\($0)", cpus: 16, mem: 16384,
                      attributes: ["rack": "r\($0 / 2 + 1)", "type": $0 >= 4 ? "gpu" : "std"])
    }

    func place(_ constraints: [Constraint], instances: Int, agents: [AgentInfo] = rackAgents,
               existing: [Instance] = []) -> (SchedulerDecisions, Harness) {
        var app = Fixture.app("/c", instances: instances, cpus: 0.1, mem: 1)
        app.constraints = constraints
        var h = Harness(apps: [app], agents: agents)
        h.instances = existing
        let d = h.decide()
        h.apply(d)
        h.checkInvariants()
        return (d, h)
    }

    func rack(_ h: Harness, _ agentId: String) -> String {
        h.agents.first { $0.id == agentId }!.attributes["rack"]!
    }

    @Test func uniqueHostname() {
        let (d, h) = place([Constraint(field: "hostname", op: .unique)], instances: 8)
        #expect(d.launches.count == 6)
        #expect(Set(d.launches.map(\.agentId)).count == 6)
        #expect(d.waiting.first?.count == 2)
        #expect(d.waiting.first?.reason == .noFit(rejections: ["UnfulfilledConstraint": 6], agentsConsidered: 6))
        // Level-triggered: the placed instances keep blocking their hosts.
        #expect(h.decide().launches.isEmpty)
    }

    @Test func uniqueAttribute() {
        let (d, h) = place([Constraint(field: "rack", op: .unique)], instances: 3)
        #expect(Set(d.launches.map { rack(h, $0.agentId) }) == ["r1", "r2", "r3"])
    }

    @Test func clusterWithValue() {
        let (d, h) = place([Constraint(field: "rack", op: .cluster, value: "r2")], instances: 5)
        #expect(d.launches.count == 5)
        #expect(d.launches.allSatisfy { rack(h, $0.agentId) == "r2" })
    }

    @Test func clusterWithoutValueFollowsTheFirstInstance() {
        let (d, h) = place([Constraint(field: "rack", op: .cluster)], instances: 5)
        #expect(Set(d.launches.map { rack(h, $0.agentId) }).count == 1)
    }

    @Test func clusterWithoutValueJoinsExistingInstances() {
        var app = Fixture.app("/c", instances: 1, cpus: 0.1, mem: 1)
        app.constraints = [Constraint(field: "rack", op: .cluster)]
        let existing = [Fixture.running(app, id: "e", on: Self.rackAgents[5], stagedAt: Fixture.t0)]
        let (d, h) = place(app.constraints, instances: 4, existing: existing)
        #expect(d.launches.count == 3)
        #expect(d.launches.allSatisfy { rack(h, $0.agentId) == "r3" })
    }

    @Test func groupBySpreadsEvenly() {
        let (d, h) = place([Constraint(field: "rack", op: .groupBy)], instances: 9)
        var perRack: [String: Int] = [:]
        for launch in d.launches { perRack[rack(h, launch.agentId), default: 0] += 1 }
        #expect(perRack == ["r1": 3, "r2": 3, "r3": 3])
    }

    @Test func groupByWithCountAndExistingInstances() {
        var app = Fixture.app("/c", instances: 1, cpus: 0.1, mem: 1)
        app.constraints = [Constraint(field: "rack", op: .groupBy, value: "3")]
        let existing = (0..<3).map { Fixture.running(app, id: "e\($0)", on: Self.rackAgents[0], stagedAt: Fixture.t0) }
        let (d, h) = place(app.constraints, instances: 9, existing: existing)
        var perRack: [String: Int] = ["r1": 3]
        for launch in d.launches { perRack[rack(h, launch.agentId), default: 0] += 1 }
        #expect(perRack == ["r1": 3, "r2": 3, "r3": 3])
    }

    @Test func likeAndUnlikeAreFullMatches() {
        let (like, _) = place([Constraint(field: "hostname", op: .like, value: "a[12]\\.example")], instances: 4)
        #expect(Set(like.launches.map(\.agentId)).isSubset(of: ["a1", "a2"]))
        #expect(like.launches.count == 4)
        // "a1" alone is not a full match of "a1.example".
        let (partial, _) = place([Constraint(field: "hostname", op: .like, value: "a1")], instances: 1)
        #expect(partial.launches.isEmpty)
        let (unlike, _) = place([Constraint(field: "type", op: .unlike, value: "gp.")], instances: 6)
        #expect(unlike.launches.allSatisfy { !["a4", "a5"].contains($0.agentId) })
        // An agent without the attribute satisfies UNLIKE but not LIKE.
        let agents = [Fixture.agent("plain"), Fixture.agent("tagged", attributes: ["zone": "z1"])]
        let (u, _) = place([Constraint(field: "zone", op: .unlike, value: "z1")], instances: 2, agents: agents)
        #expect(u.launches.allSatisfy { $0.agentId == "plain" })
        let (l, _) = place([Constraint(field: "zone", op: .like, value: "z.*")], instances: 2, agents: agents)
        #expect(l.launches.allSatisfy { $0.agentId == "tagged" })
    }

    @Test func invalidRegexMatchesNothing() {
        let (d, _) = place([Constraint(field: "rack", op: .like, value: "r(")], instances: 1)
        #expect(d.launches.isEmpty)
    }

    @Test func maxPer() {
        let (d, h) = place([Constraint(field: "rack", op: .maxPer, value: "2")], instances: 8)
        #expect(d.launches.count == 6)
        var perRack: [String: Int] = [:]
        for launch in d.launches { perRack[rack(h, launch.agentId), default: 0] += 1 }
        #expect(perRack.values.allSatisfy { $0 <= 2 })
        #expect(d.waiting.first?.count == 2)
    }

    @Test func isOperator() {
        let (d, _) = place([Constraint(field: "type", op: .is, value: "gpu")], instances: 4)
        #expect(d.launches.count == 4)
        #expect(d.launches.allSatisfy { ["a4", "a5"].contains($0.agentId) })
        let (none, _) = place([Constraint(field: "type", op: .is, value: "tpu")], instances: 1)
        #expect(none.waiting.first?.reason == .noFit(rejections: ["UnfulfilledConstraint": 6], agentsConsidered: 6))
    }

    @Test func combinedConstraints() {
        let (d, h) = place([Constraint(field: "hostname", op: .unique),
                            Constraint(field: "type", op: .is, value: "std")], instances: 5)
        #expect(d.launches.count == 4)
        #expect(Set(d.launches.map(\.agentId)) == ["a0", "a1", "a2", "a3"])
        #expect(h.decide().launches.isEmpty)
    }
}

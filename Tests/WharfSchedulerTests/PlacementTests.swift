import Testing
@testable import WharfScheduler
import WharfModel

@Suite(.timeLimit(.minutes(3))) struct PlacementTests {
    @Test func neverOvercommitsAndReportsWhatIsMissing() {
        let app = Fixture.app("/big", instances: 3, cpus: 1.5, mem: 100)
        var h = Harness(apps: [app], agents: [Fixture.agent("a0", cpus: 2), Fixture.agent("a1", cpus: 2)])
        let d = h.decide()
        #expect(d.launches.count == 2)
        #expect(Set(d.launches.map(\.agentId)).count == 2)
        #expect(d.waiting == [QueueEntry(appId: app.id, count: 1,
                                         reason: .noFit(rejections: ["InsufficientCpus": 2], agentsConsidered: 2))])
        h.apply(d)
        h.checkInvariants()
    }

    @Test func memoryAndDiskAreChecked() {
        var app = Fixture.app("/m", instances: 2, cpus: 0.1, mem: 600)
        app.disk = 10
        let agents = [Fixture.agent("a0", mem: 1000, disk: 100), Fixture.agent("a1", mem: 2000, disk: 5)]
        var h = Harness(apps: [app], agents: agents)
        let d = h.decide()
        #expect(d.launches.count == 1)
        #expect(d.launches.first?.agentId == "a0")
        #expect(d.waiting.first?.reason == .noFit(rejections: ["InsufficientMemory": 1, "InsufficientDisk": 1],
                                                  agentsConsidered: 2))
        h.apply(d)
        h.checkInvariants()
    }

    @Test func dynamicPortsAreUniquePerAgentAndInRange() {
        let app = Fixture.app("/p", instances: 40, cpus: 0.01, mem: 1, ports: 3)
        let agents = [Fixture.agent("a0", ports: [PortRange(begin: 31000, end: 31100), PortRange(begin: 40000, end: 40100)])]
        var h = Harness(apps: [app], agents: agents)
        // Ports already taken by another app's instance are avoided.
        let other = Fixture.app("/other", instances: 1, cpus: 0.01, mem: 1)
        h.apps.append(other)
        h.instances = [Fixture.running(other, id: "o1", on: agents[0], stagedAt: Fixture.t0, ports: [31000, 31001, 40050])]
        let d = h.decide()
        #expect(d.launches.count == 40)
        h.apply(d)
        h.checkInvariants()
        let all = h.instances.flatMap(\.ports)
        #expect(Set(all).count == all.count)
    }

    @Test func portRangeExhaustionIsInsufficientPorts() {
        let app = Fixture.app("/p", instances: 2, cpus: 0.1, mem: 1, ports: 2)
        var h = Harness(apps: [app], agents: [Fixture.agent("a0", ports: [PortRange(begin: 10000, end: 10002)])])
        let d = h.decide()
        #expect(d.launches.count == 1)
        #expect(d.waiting == [QueueEntry(appId: app.id, count: 1,
                                         reason: .noFit(rejections: ["InsufficientPorts": 1], agentsConsidered: 1))])
        h.apply(d)
        h.checkInvariants()
    }

    @Test func portsHeldByOtherProcessesOnTheHostAreSkipped() {
        let app = Fixture.app("/p", instances: 2, cpus: 0.1, mem: 1)
        var agent = Fixture.agent("a0", ports: [PortRange(begin: 10000, end: 10003)])
        agent.portsInUse = [10000, 10002]
        var h = Harness(apps: [app], agents: [agent])
        let d = h.decide()
        #expect(Set(d.launches.flatMap(\.ports)) == [10001, 10003])
        h.apply(d)
        h.checkInvariants()

        // With every port of the range held, the next instance waits for ports.
        h.apps[0].instances = 3
        let more = h.decide()
        #expect(more.launches.isEmpty)
        #expect(more.waiting == [QueueEntry(appId: app.id, count: 1,
                                            reason: .noFit(rejections: ["InsufficientPorts": 1], agentsConsidered: 1))])
    }

    @Test func aFixedPortHeldOnTheHostDoesNotFit() {
        var app = Fixture.app("/fixed", instances: 1, cpus: 0.1, mem: 1)
        app.requirePorts = true
        app.portDefinitions = [PortDefinition(port: 10005, name: "http")]
        var busy = Fixture.agent("a0", ports: [PortRange(begin: 10000, end: 10010)])
        busy.portsInUse = [10005]
        let free = Fixture.agent("a1", ports: [PortRange(begin: 10000, end: 10010)])
        var h = Harness(apps: [app], agents: [busy, free])
        let d = h.decide()
        #expect(d.launches.map(\.agentId) == ["a1"])
        #expect(d.launches.first?.ports == [10005])
    }

    @Test func requirePortsUsesTheDeclaredPortsOncePerAgent() {
        var app = Fixture.app("/fixed", instances: 3, cpus: 0.1, mem: 1)
        app.requirePorts = true
        app.portDefinitions = [PortDefinition(port: 10080, name: "http"), PortDefinition(port: 0, name: "admin")]
        var h = Harness(apps: [app], agents: Fixture.agents(2))
        let d = h.decide()
        #expect(d.launches.count == 2)
        #expect(Set(d.launches.map(\.agentId)).count == 2)
        for launch in d.launches {
            #expect(launch.ports.count == 2)
            #expect(launch.ports[0] == 10080)
            #expect(launch.ports[1] != 10080)
        }
        #expect(d.waiting.first?.reason == .noFit(rejections: ["InsufficientPorts": 2], agentsConsidered: 2))
        h.apply(d)
        h.checkInvariants()
    }

    @Test func requiredPortOutsideTheAgentRangesDoesNotFit() {
        var app = Fixture.app("/fixed", instances: 1, cpus: 0.1, mem: 1)
        app.requirePorts = true
        app.portDefinitions = [PortDefinition(port: 80)]
        let h = Harness(apps: [app], agents: Fixture.agents(1))
        #expect(h.decide().waiting.first?.reason == .noFit(rejections: ["InsufficientPorts": 1], agentsConsidered: 1))
    }

    @Test func containerPortMappingsGetHostPortsOnlyWhereAsked() {
        var app = Fixture.app("/bridge", instances: 2, cpus: 0.1, mem: 1)
        app.networks = [Network(mode: .containerBridge)]
        app.portDefinitions = []
        app.container = Container(type: .docker, docker: DockerSettings(image: "nginx"), portMappings: [
            PortMapping(containerPort: 80, hostPort: 0),
            PortMapping(containerPort: 443, hostPort: 15443),
            PortMapping(containerPort: 9000, hostPort: nil),
        ])
        var h = Harness(apps: [app], agents: Fixture.agents(1))
        let d = h.decide()
        #expect(d.launches.count == 1, "the fixed host port 15443 fits only once on the one agent")
        #expect(d.launches.first?.ports.count == 3)
        #expect(d.launches.first?.ports[1] == 15443)
        h.apply(d)
        h.checkInvariants()
    }

    @Test func appsWithoutPortsNeedNone() {
        var app = Fixture.app("/noports", instances: 3, cpus: 0.1, mem: 1, ports: 0)
        app.portDefinitions = []
        let d = Harness(apps: [app], agents: [Fixture.agent("a0", ports: [])]).decide()
        #expect(d.launches.count == 3)
        #expect(d.launches.allSatisfy { $0.ports.isEmpty })
    }

    @Test func dockerAppsNeedADockerAgent() {
        var app = Fixture.app("/docker", instances: 1)
        app.container = Container(type: .docker, docker: DockerSettings(image: "nginx"))
        var h = Harness(apps: [app], agents: [Fixture.agent("a0", runtimes: ["process"])])
        var d = h.decide()
        #expect(d.launches.isEmpty)
        #expect(d.waiting == [QueueEntry(appId: app.id, count: 1, reason: .noAgent("no Docker engine on any agent"))])
        h.agents.append(Fixture.agent("a1", runtimes: ["process", "docker"]))
        d = h.decide()
        #expect(d.launches.map(\.agentId) == ["a1"])
    }

    @Test func noAgentsAtAll() {
        let d = Harness(apps: [Fixture.app("/x")], agents: []).decide()
        #expect(d.waiting == [QueueEntry(appId: PathId("/x"), count: 1, reason: .noAgent("no agent is registered"))])
    }

    @Test func spreadUsesEmptiestAgentsAndBinPackFillsUp() {
        let app = Fixture.app("/s", instances: 4, cpus: 1, mem: 100, ports: 0)
        let spread = Harness(apps: [app], agents: Fixture.agents(4), algorithm: .spread).decide()
        #expect(Set(spread.launches.map(\.agentId)).count == 4)
        var packed = Harness(apps: [app], agents: Fixture.agents(2, cpus: 2), algorithm: .binPack)
        let d = packed.decide()
        #expect(d.launches.count == 4)
        packed.apply(d)
        packed.checkInvariants()
    }

    @Test("by default an app spreads over agents first (fewest of its instances), then goes to the least loaded")
    func defaultSpreadsAnAppBeforeLookingAtLoad() {
        let ids = IdSource()
        let scheduler = Scheduler(makeInstanceId: { ids.make($0) })
        let agents = Fixture.agents(3)
        // a0 is nearly full with another app; a1 is half full.
        let busy = Fixture.app("/busy", instances: 0, cpus: 1.5, mem: 100, ports: 0)
        let load = [Fixture.running(busy, id: "b0", on: agents[0], stagedAt: Fixture.t0),
                    Fixture.running(busy, id: "b1", on: agents[0], stagedAt: Fixture.t0),
                    Fixture.running(busy, id: "b2", on: agents[1], stagedAt: Fixture.t0)]
        let web = Fixture.app("/web", instances: 6, cpus: 0.1, mem: 64)
        let single = Fixture.app("/single", instances: 1, cpus: 0.1, mem: 64)
        for seed: UInt64 in 1...20 {
            let d = scheduler.decide(SchedulerView(now: Fixture.t0, apps: [busy, web, single], instances: load,
                                                   agents: agents, backoff: [:], seed: seed))
            let perAgent = Dictionary(grouping: d.launches.filter { $0.appId == web.id }, by: \.agentId).mapValues(\.count)
            #expect(perAgent == ["a0": 2, "a1": 2, "a2": 2], "seed \(seed)")
            #expect(d.launches.first { $0.appId == single.id }?.agentId == "a2", "seed \(seed)")
        }
    }

    @Test("instances of an app already placed count: a scale-up fills the agents that have fewest")
    func scaleUpFillsTheAgentsWithFewestInstances() {
        var h = Harness(apps: [Fixture.app("/web", instances: 2, cpus: 0.1)], agents: Fixture.agents(4), algorithm: .spread)
        h.apply(h.decide())
        h.apps[0].instances = 4
        h.apply(h.decide())
        #expect(Set(h.instances.map(\.agentId)).count == 4)
        h.apps[0].instances = 8
        h.apply(h.decide())
        #expect(Dictionary(grouping: h.instances, by: \.agentId).values.map(\.count).sorted() == [2, 2, 2, 2])
    }

    @Test func sameSeedSameDecisions() {
        let apps = (0..<5).map { Fixture.app("/app\($0)", instances: 7, cpus: 0.3) }
        let a = Harness(apps: apps, agents: Fixture.agents(20)).decide()
        let b = Harness(apps: apps, agents: Fixture.agents(20)).decide()
        #expect(a.launches.map(\.agentId) == b.launches.map(\.agentId))
        #expect(a.launches.map(\.ports) == b.launches.map(\.ports))
    }
}

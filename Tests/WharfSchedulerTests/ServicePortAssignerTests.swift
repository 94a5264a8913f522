import Testing
@testable import WharfScheduler
import WharfModel

@Suite(.timeLimit(.minutes(3))) struct ServicePortAssignerTests {
    @Test func assignsUniquePortsAndKeepsExplicitOnes() throws {
        var a = Fixture.app("/a", ports: 2)
        a.portDefinitions[1].port = 10000
        let b = Fixture.app("/b", ports: 1)
        var c = Fixture.app("/c", ports: 0)
        c.networks = [Network(mode: .containerBridge)]
        c.portDefinitions = []
        c.container = Container(type: .docker, docker: DockerSettings(image: "x"),
                                portMappings: [PortMapping(containerPort: 80), PortMapping(containerPort: 81, servicePort: 10005)])
        let result = try ServicePortAssigner.assign([a, b, c])
        #expect(result[0].portDefinitions.map(\.port) == [10001, 10000])
        #expect(result[1].portDefinitions.map(\.port) == [10002])
        #expect(result[2].container?.portMappings?.map(\.servicePort) == [10003, 10005])
        let all = result.flatMap(ServicePortAssigner.servicePorts(of:))
        #expect(Set(all).count == all.count)
    }

    @Test func portsHeldElsewhereAreNotAssigned() throws {
        let result = try ServicePortAssigner.assign([Fixture.app("/a", ports: 2)], range: 10000...10003, unavailable: [10000, 10002])
        #expect(result[0].portDefinitions.map(\.port) == [10001, 10003])
        #expect(throws: ServicePortAssigner.Failure.rangeExhausted(10000...10003)) {
            try ServicePortAssigner.assign([Fixture.app("/b", ports: 3)], range: 10000...10003, unavailable: [10000, 10002])
        }
    }

    @Test func updatedAppGetsItsOldPortsBack() throws {
        let original = try ServicePortAssigner.assign([Fixture.app("/x", ports: 1), Fixture.app("/a", ports: 2)])
        #expect(original[1].portDefinitions.map(\.port) == [10001, 10002])
        var updated = Fixture.app("/a", ports: 2)
        updated.cmd = "new"
        let result = try ServicePortAssigner.assign([original[0], updated], original: original)
        #expect(result[1].portDefinitions.map(\.port) == [10001, 10002])
    }

    @Test func alreadyAssignedAppsAreUntouched() throws {
        let once = try ServicePortAssigner.assign([Fixture.app("/a", ports: 3)])
        #expect(try ServicePortAssigner.assign(once, original: once) == once)
    }

    @Test func exhaustedRangeThrows() {
        #expect(throws: ServicePortAssigner.Failure.rangeExhausted(10000...10002)) {
            try ServicePortAssigner.assign([Fixture.app("/a", ports: 2), Fixture.app("/b", ports: 2)], range: 10000...10002)
        }
        #expect(ServicePortAssigner.Failure.rangeExhausted(10000...10002).description.contains("10000-10002"))
    }
}

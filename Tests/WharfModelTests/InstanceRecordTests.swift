import Foundation
import Testing
import WharfModel

/// Instance records are written by a direct writer (`Instance.recordJSON`) rather than
/// `JSONEncoder`; they must read back exactly and say what the encoder says.
@Suite("Instance records")
struct InstanceRecordTests {
    static let t0 = Timestamp(millis: 1_765_000_000_123)

    static var instances: [Instance] {
        let plain = Instance(id: "web.instance-1", appId: PathId("/shop/web"), appVersion: t0, configVersion: t0,
                             agentId: "agent-1", host: "10.0.0.1", ports: [31001, 31002],
                             resources: Resources(cpus: 0.001, mem: 128, disk: 0.5), stagedAt: t0)
        var checked = plain
        checked.id = "web.instance-2"
        checked.incarnation = 3
        checked.state = .running
        checked.goal = .decommissioned
        checked.startedAt = t0.adding(seconds: 2)
        checked.stateSince = t0.adding(seconds: 2.5)
        checked.message = "killed through the API: \"quotes\", \\ and ünïcode\n"
        checked.healthy = false
        checked.ports = []
        checked.health = TaskHealth(
            results: [nil, HealthCheckResult(alive: false, consecutiveFailures: 4, firstSuccess: t0, lastSuccess: t0.adding(seconds: 1),
                                             lastFailure: t0.adding(seconds: 9), lastFailureCause: "HTTP 503")],
            readiness: [ReadinessCheckResult(name: "ready", ready: false,
                                             lastResponse: .init(status: 503, contentType: "text/plain", body: "warming up"))],
            killReason: "health check failed 4 times")
        return [plain, checked]
    }

    @Test("a record read back is the instance written")
    func roundTrip() throws {
        for instance in Self.instances {
            #expect(try RecordSchema.decode(Instance.self, from: try instance.recordJSON()) == instance)
        }
    }

    @Test("the record holds what JSONEncoder would write, schema version included")
    func sameAsEncoder() throws {
        for instance in Self.instances {
            let direct = try JSONSerialization.jsonObject(with: try instance.recordJSON()) as? NSDictionary
            let encoded = try JSONSerialization.jsonObject(with: RecordSchema.encode(instance)) as? NSDictionary
            #expect(direct != nil)
            #expect(direct == encoded)
        }
    }

    @Test("resources that JSON cannot hold are refused, as JSONEncoder refuses them")
    func nonFinite() {
        var broken = Self.instances[0]
        broken.resources.cpus = .nan
        #expect(throws: EncodingError.self) { try broken.recordJSON() }
        #expect(throws: EncodingError.self) { try RecordSchema.encode(broken) }
    }
}

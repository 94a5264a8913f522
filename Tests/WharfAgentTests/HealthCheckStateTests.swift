import Foundation
import Testing
@testable import WharfAgent
import WharfModel

@Suite("Health check rules", .timeLimit(.minutes(3)))
struct HealthCheckStateTests {
    let start = Timestamp(millis: 1_700_000_000_000)

    func state(_ check: HealthCheck) -> HealthCheckState {
        HealthCheckState(check: check, index: 1, taskStartedAt: start)
    }

    @Test func failuresBeforeTheFirstSuccessWithinTheGracePeriodAreIgnored() {
        var changed = false
        var s = state(HealthCheck(gracePeriodSeconds: 10, intervalSeconds: 5))
        changed = s.record(.failure("connection refused"), at: start.adding(seconds: 9))
        #expect(!changed)
        #expect(s.result == nil)
        #expect(s.interval(now: start.adding(seconds: 9)) == 1)
        changed = s.record(.failure("connection refused"), at: start.adding(seconds: 10))
        #expect(changed)
        #expect(s.result?.consecutiveFailures == 1)
        #expect(s.interval(now: start.adding(seconds: 10)) == 5)
    }

    @Test func afterTheFirstSuccessEveryFailureCounts() {
        var changed = false
        var s = state(HealthCheck(gracePeriodSeconds: 300, intervalSeconds: 5))
        changed = s.record(.success, at: start.adding(seconds: 1))
        #expect(changed)
        #expect(s.interval(now: start.adding(seconds: 1)) == 5)
        changed = s.record(.failure("HTTP 500"), at: start.adding(seconds: 6))
        #expect(changed)
        #expect(s.result?.alive == false)
        #expect(s.result?.lastFailureCause == "HTTP 500")
        #expect(s.result?.firstSuccess == start.adding(seconds: 1))
    }

    @Test func onlyMaterialChangesAreReported() {
        var changed = false
        var s = state(HealthCheck(gracePeriodSeconds: 0))
        changed = s.record(.success, at: start)
        #expect(changed)
        changed = s.record(.success, at: start.adding(seconds: 60))
        #expect(!changed)
        #expect(s.result?.lastSuccess == start.adding(seconds: 60))
        changed = s.record(.ignored, at: start.adding(seconds: 61))
        #expect(!changed)
        changed = s.record(.failure("HTTP 503"), at: start.adding(seconds: 120))
        #expect(changed)
        changed = s.record(.failure("HTTP 503"), at: start.adding(seconds: 180))
        #expect(changed)
        #expect(s.result?.consecutiveFailures == 2)
        changed = s.record(.success, at: start.adding(seconds: 240))
        #expect(changed)
        #expect(s.result?.consecutiveFailures == 0)
    }

    @Test func killReasonAfterMaxConsecutiveFailures() {
        var s = state(HealthCheck(protocol: .mesosHttp, path: "/health", gracePeriodSeconds: 0, maxConsecutiveFailures: 2))
        _ = s.record(.failure("HTTP 503"), at: start)
        #expect(s.killReason == nil)
        _ = s.record(.failure("HTTP 502"), at: start.adding(seconds: 1))
        #expect(s.killReason == "health check 1 (MESOS_HTTP /health) failed 2 times in a row: HTTP 502")

        var unlimited = state(HealthCheck(gracePeriodSeconds: 0, maxConsecutiveFailures: 0))
        for second in 0..<10 { _ = unlimited.record(.failure("HTTP 503"), at: start.adding(seconds: Double(second))) }
        #expect(unlimited.killReason == nil)
    }

    @Test func onlyMesosChecksWaitForTheirDelay() {
        let now = start.adding(seconds: 4)
        #expect(state(HealthCheck(protocol: .http, delaySeconds: 15)).initialDelay(now: now) == 0)
        #expect(state(HealthCheck(protocol: .command, delaySeconds: 15)).initialDelay(now: now) == 11)
        #expect(state(HealthCheck(protocol: .mesosTcp, delaySeconds: 2)).initialDelay(now: now) == 0)
    }

    @Test func commandOutcomeNamesTheLastOutputLine() {
        var tail = CommandProbe.OutputTail(limit: 16)
        tail.append(ArraySlice(Array("a long first line\nlast one\n\n".utf8)))
        #expect(tail.text.utf8.count == 16)
        #expect(tail.lastLine == "last one")
        #expect(CommandProbe.outcome(waitStatus: 3 << 8, output: tail) == .failure("exit code 3: last one"))
        #expect(CommandProbe.outcome(waitStatus: 0, output: tail) == .success)
        #expect(CommandProbe.outcome(waitStatus: 9, output: tail) == .failure("killed by signal 9 (SIGKILL)"))
    }

    @Test func recordsWithoutCheckFieldsStillLoad() throws {
        let json = """
            {"instanceId":"a.1","incarnation":1,"taskId":"a.1._app.1","appId":"/a","appVersion":"2024-01-01T00:00:00.000Z",
             "handle":{"runtime":"process","taskId":"a.1._app.1","sandbox":"/tmp/x","cgroups":[]},
             "killGracePeriodSeconds":3,"startedAt":"2024-01-01T00:00:00.000Z",
             "kill":{"reason":"r","gracePeriodSeconds":3}}
            """
        let record = try JSONDecoder().decode(TaskRecord.self, from: Data(json.utf8))
        #expect(record.checks == nil)
        #expect(record.kill?.drainSeconds == nil)
    }
}

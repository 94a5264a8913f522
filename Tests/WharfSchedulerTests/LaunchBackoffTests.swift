import Foundation
import Testing
@testable import WharfScheduler
import WharfModel

@Suite(.timeLimit(.minutes(3))) struct LaunchBackoffTests {
    static func app(version: Timestamp = Fixture.t0) -> AppDefinition {
        var app = Fixture.app("/flaky", instances: 1, version: version)
        app.backoffSeconds = 2
        app.backoffFactor = 2
        app.maxLaunchDelaySeconds = 10
        return app
    }

    @Test func delayGrowsByFactorUpToTheCap() {
        let app = Self.app()
        var b = LaunchBackoff()
        let t = Fixture.t0
        #expect(!b.isDelayed(now: t))
        var delays: [Double] = []
        for i in 0..<5 {
            b.recordFailure(app: app, now: t.adding(seconds: Double(i)))
            delays.append(b.currentDelaySeconds)
        }
        #expect(delays == [2, 4, 8, 10, 10])
        #expect(b.delayedUntil == t.adding(seconds: 14))
        #expect(b.isDelayed(now: t.adding(seconds: 13.9)))
        #expect(!b.isDelayed(now: t.adding(seconds: 14)))
        #expect(b.timeLeftSeconds(now: t.adding(seconds: 10)) == 4)
        #expect(b.timeLeftSeconds(now: t.adding(seconds: 20)) == 0)
    }

    @Test func killsDoNotCount() {
        let app = Self.app()
        var b = LaunchBackoff()
        let r1 = b.recordTermination(.killed, app: app, now: Fixture.t0)
        #expect(!r1)
        #expect(!b.isDelayed(now: Fixture.t0))
        let r2 = b.recordTermination(.failed, app: app, now: Fixture.t0)
        #expect(r2)
        let r3 = b.recordTermination(.finished, app: app, now: Fixture.t0)
        #expect(r3)
        let r4 = b.recordTermination(.killed, app: app, now: Fixture.t0)
        #expect(!r4)
        #expect(b.failures == 2)
        #expect(b.currentDelaySeconds == 4)
    }

    @Test func resets() {
        let app = Self.app()
        var b = LaunchBackoff()
        b.recordFailure(app: app, now: Fixture.t0)
        b.recordFailure(app: app, now: Fixture.t0)
        #expect(b.currentDelaySeconds == 4)

        // Explicit reset (DELETE /v2/queue/{id}/delay).
        var explicit = b
        explicit.reset()
        #expect(!explicit.isDelayed(now: Fixture.t0))
        #expect(explicit == LaunchBackoff())

        // A new configuration is not delayed, and its first failure starts over.
        let v2 = Self.app(version: Fixture.t0.adding(seconds: 100))
        #expect(!b.applies(to: v2))
        #expect(b.isDelaying(app, now: Fixture.t0))
        #expect(!b.isDelaying(v2, now: Fixture.t0))
        var changed = b
        let r5 = changed.resetIfConfigChanged(app: app)
        #expect(!r5)
        let r6 = changed.resetIfConfigChanged(app: v2)
        #expect(r6)
        var restarted = b
        restarted.recordFailure(app: v2, now: Fixture.t0)
        #expect(restarted.currentDelaySeconds == 2)
        #expect(restarted.failures == 1)

        // Stable for currentDelay (4) + maxLaunchDelay (10) seconds after the last failure.
        var stable = b
        let r7 = stable.resetIfStable(now: Fixture.t0.adding(seconds: 13.9))
        #expect(!r7)
        #expect(stable.failures == 2)
        let r8 = stable.resetIfStable(now: Fixture.t0.adding(seconds: 14))
        #expect(r8)
        stable.recordFailure(app: app, now: Fixture.t0.adding(seconds: 15))
        #expect(stable.currentDelaySeconds == 2)
    }

    @Test func codableRoundTrip() throws {
        var b = LaunchBackoff()
        b.recordFailure(app: Self.app(), now: Fixture.t0)
        let data = try JSONEncoder().encode(b)
        #expect(try JSONDecoder().decode(LaunchBackoff.self, from: data) == b)
    }

    @Test func schedulerHoldsLaunchesWhileDelayed() {
        let app = Self.app()
        var h = Harness(apps: [app], agents: Fixture.agents(1))
        var b = LaunchBackoff()
        b.recordFailure(app: app, now: h.now)
        h.backoff[app.id] = b
        var d = h.decide()
        #expect(d.launches.isEmpty)
        #expect(d.waiting == [QueueEntry(appId: app.id, count: 1, reason: .backoff(until: h.now.adding(seconds: 2)))])
        h.now = h.now.adding(seconds: 2)
        d = h.decide()
        #expect(d.launches.count == 1)
        #expect(d.waiting.isEmpty)
    }

    @Test func backoffDoesNotHoldKills() {
        let app = Self.app()
        var h = Harness(apps: [app], agents: Fixture.agents(1))
        h.converge()
        h.apps[0].instances = 0
        var b = LaunchBackoff()
        b.recordFailure(app: app, now: h.now)
        h.backoff[app.id] = b
        #expect(h.decide().kills.count == 1)
    }
}

import Foundation
import Testing
@testable import WharfModel

@Suite("GET output", .timeLimit(.minutes(3)))
struct EncodingTests {
    @Test(arguments: Fixtures.all + Fixtures.extended)
    func examplesRoundTrip(json: String) throws {
        let app = try decodeApp(json)
        #expect(app.validate().isEmpty, "\(app.validate())")
        let again = try AppDefinition.decode(json: app.marathonJSON())
        #expect(again == app)
    }

    @Test(arguments: Fixtures.all)
    func outputOnlyHasKeysMarathonPythonAccepts(json: String) throws {
        var app = try decodeApp(json)
        app.version = Timestamp(millis: 1_700_000_000_123)
        app.versionInfo = VersionInfo(lastScalingAt: app.version!, lastConfigChangeAt: app.version!)
        let keys = Set(try jsonObject(app).keys)
        #expect(keys.isSubset(of: Fixtures.marathonPythonAppKeys), "unexpected: \(keys.subtracting(Fixtures.marathonPythonAppKeys))")
        // Marathon's serializer leaves empty args, constraints, dependencies, env, fetch, healthChecks,
        // readinessChecks and secrets out; these are always there.
        for required in ["networks", "upgradeStrategy", "unreachableStrategy", "killSelection", "version", "versionInfo", "role",
                         "backoffSeconds", "backoffFactor", "maxLaunchDelaySeconds", "requirePorts", "instances", "cpus", "mem",
                         "disk", "gpus", "executor", "labels", "id"] {
            #expect(keys.contains(required), "missing \(required)")
        }
    }

    @Test(arguments: Fixtures.all + Fixtures.extended)
    func fastWriterMatchesCodable(json: String) throws {
        var app = try decodeApp(json)
        app.version = Timestamp(millis: 1_700_000_000_123)
        app.env = ["B": .value("q\"uote\n"), "A": .secret("s")]
        app.labels = ["z": "1", "a": "ü"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let viaCodable = try JSONSerialization.jsonObject(with: encoder.encode(app)) as? NSDictionary
        let viaWriter = try JSONSerialization.jsonObject(with: app.marathonJSON()) as? NSDictionary
        #expect(viaCodable != nil)
        #expect(viaCodable == viaWriter)
        #expect(String(decoding: try encoder.encode(app), as: UTF8.self) == String(decoding: app.marathonJSON(), as: UTF8.self),
                "the Codable encoding and the fast writer must give the same bytes")
    }

    @Test func noNullsAndOptionalKeysOnlyWhenSet() throws {
        let app = try decodeApp(Fixtures.sleepApp)
        let text = String(decoding: app.marathonJSON(), as: UTF8.self)
        #expect(!text.contains("null"))
        let out = try jsonObject(app)
        for absent in ["args", "user", "version", "versionInfo", "container", "taskKillGracePeriodSeconds", "acceptedResourceRoles"] {
            #expect(out[absent] == nil, "\(absent) should be omitted")
        }
        #expect(out["cmd"] as? String == "sleep 1000")
    }

    @Test func outputIsDeterministic() throws {
        var app = try decodeApp(Fixtures.readinessAndHealth)
        app.labels = Dictionary(uniqueKeysWithValues: (0..<20).map { ("k\($0)", "v") })
        #expect(app.marathonJSON() == app.marathonJSON())
        let text = String(decoding: app.marathonJSON(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"backoffFactor":1.15,"backoffSeconds":1,"cmd":"#))
    }

    @Test func storedAppSurvivesCodableRoundTrip() throws {
        var app = try decodeApp(Fixtures.dockerBridge)
        app.version = Timestamp(millis: 1_600_000_000_000)
        app.versionInfo = VersionInfo(lastScalingAt: Timestamp(millis: 1), lastConfigChangeAt: Timestamp(millis: 2))
        let stored = try JSONEncoder().encode(app)
        #expect(try JSONDecoder().decode(AppDefinition.self, from: stored) == app)
    }

    /// Not a timing assertion (see STYLE.md): renders 1,000 apps and reports the time for `bench/`.
    @Test func rendersAThousandApps() throws {
        let base = try decodeApp(Fixtures.readinessAndHealth)
        let apps = (0..<1000).map { i -> AppDefinition in
            var app = base
            app.id = PathId("/bench/app-\(i)")
            app.labels = ["team": "t\(i % 7)"]
            return app
        }
        let clock = ContinuousClock()
        var output = Data()
        let elapsed = clock.measure {
            var w = JSONWriter(capacity: 1 << 20)
            w.beginObject()
            w.key("apps")
            w.beginArray()
            for app in apps { app.writeJSON(to: &w) }
            w.endArray()
            w.endObject()
            output = w.data
        }
        let parsed = try JSONSerialization.jsonObject(with: output) as? [String: [Any]]
        #expect(parsed?["apps"]?.count == 1000)
        let size = output.count
        print("rendered 1000 apps (\(size) bytes) in \(elapsed)")
    }
}

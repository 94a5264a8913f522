import Foundation
import Testing
@testable import WharfModel

@Suite("Partial updates", .timeLimit(.minutes(3)))
struct AppUpdateTests {
    private func stored() throws -> AppDefinition {
        var app = try decodeApp(Fixtures.readinessAndHealth)
        app.version = Timestamp(millis: 1_000)
        app.versionInfo = VersionInfo(lastScalingAt: Timestamp(millis: 1_000), lastConfigChangeAt: Timestamp(millis: 1_000))
        return app
    }

    @Test("members outside marathon-python's keys survive a partial update and can be changed by one")
    func keptMembersSurvivePartialUpdates() throws {
        var old = try decodeApp(Fixtures.mesosEverything)
        old.version = Timestamp(millis: 1_000)
        let scaled = try AppUpdate.decode(json: data(#"{"instances": 3}"#)).applyValidated(to: old)
        #expect(scaled.instances == 3)
        #expect(scaled.check == old.check && scaled.resourceLimits == old.resourceLimits && scaled.tty == true)
        #expect(scaled.executorResources == old.executorResources && scaled.container == old.container)
        #expect(scaled.upgradeStrategy == old.upgradeStrategy && scaled.isOnlyScaleChange(from: old))
        let changed = try AppUpdate.decode(json: data(#"{"tty": false, "resourceLimits": {"mem": "unlimited"}}"#)).applyValidated(to: old)
        #expect(changed.tty == false && changed.resourceLimits == ResourceLimits(mem: .unlimited))
        #expect(changed.needsRestart(from: old))
    }

    @Test func onlyPresentFieldsChange() throws {
        let old = try stored()
        let update = try AppUpdate.decode(json: data(#"{"instances": 4, "labels": {"a": "b"}}"#))
        let new = update.apply(to: old)
        #expect(new.instances == 4)
        #expect(new.labels == ["a": "b"])
        #expect(new.cmd == old.cmd)
        #expect(new.readinessChecks == old.readinessChecks)
        #expect(new.version == old.version && new.versionInfo == old.versionInfo)
        #expect(new.id == old.id)
    }

    @Test func nullMeansUnchanged() throws {
        let old = try stored()
        let new = try AppUpdate.decode(json: data(#"{"cmd": null, "mem": 256}"#)).apply(to: old)
        #expect(new.cmd == old.cmd)
        #expect(new.mem == 256)
    }

    @Test func objectsAreReplacedWhole() throws {
        let old = try stored()
        let new = try AppUpdate.decode(json: data(#"{"unreachableStrategy": {"expungeAfterSeconds": 9}}"#)).apply(to: old)
        #expect(new.unreachableStrategy == .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 9))
        // Both members of an upgrade strategy are required by Marathon's reader.
        do {
            _ = try AppUpdate.decode(json: data(#"{"upgradeStrategy": {"minimumHealthCapacity": 0.5}}"#))
            Issue.record("expected 422")
        } catch {
            #expect(error.failures == [ValidationFailure(path: "/upgradeStrategy/maximumOverCapacity",
                                                         #"'maximumOverCapacity' is undefined on object: {"minimumHealthCapacity":0.5}"#)])
        }
    }

    @Test func switchingToBridgeDropsHostPorts() throws {
        let old = try stored()
        let update = try AppUpdate.decode(json: data(#"{"networks": [{"mode": "container/bridge"}], "container": {"docker": {"image": "x"}}, "readinessChecks": []}"#))
        let new = try update.applyValidated(to: old)
        #expect(new.portDefinitions.isEmpty)
        #expect(new.container?.portMappings == [PortMapping(hostPort: 0, name: "default")])
    }

    @Test func legacyPortsReplacePortDefinitions() throws {
        let old = try stored()
        let new = try AppUpdate.decode(json: data(#"{"ports": [9000], "readinessChecks": []}"#)).apply(to: old)
        #expect(new.portDefinitions == [PortDefinition(port: 9000)])
    }

    @Test func rollbackBody() throws {
        let update = try AppUpdate.decode(json: data(#"{"id": "/a", "version": "2015-09-29T15:59:51.164Z"}"#))
        #expect(update.isRollback)
        #expect(update.rollbackVersion?.iso8601 == "2015-09-29T15:59:51.164Z")
        #expect(update.id == PathId("/a"))
    }

    @Test func versionWithOtherFieldsIsRefused() {
        do {
            _ = try AppUpdate.decode(json: data(#"{"version": "2015-09-29T15:59:51.164Z", "instances": 2}"#))
            Issue.record("expected 422")
        } catch {
            #expect(error.status == 422)
            #expect(error.failures == [ValidationFailure(path: "/", "The 'version' field may only be combined with the 'id' field.")])
        }
    }

    @Test func typesAreCheckedOnDecode() {
        do {
            _ = try AppUpdate.decode(json: data(#"{"instances": "many"}"#))
            Issue.record("expected 422")
        } catch {
            #expect(error.failures == [ValidationFailure(path: "/instances", "error.expected.jsnumber")])
        }
    }

    @Test func mergedResultIsValidated() throws {
        let old = try stored()
        do {
            _ = try AppUpdate.decode(json: data(#"{"instances": 2, "labels": {"MARATHON_SINGLE_INSTANCE_APP": "true"}}"#)).applyValidated(to: old)
            Issue.record("expected 422")
        } catch {
            #expect(has(error.failures, "/", "Single instance app may only have one instance"))
        }
        do {
            _ = try AppUpdate.decode(json: data(#"{"instances": -1}"#))
            Issue.record("expected 422")
        } catch {
            #expect(error.message == "Invalid JSON" && has(error.failures, "/instances", "error.min"))
        }
    }

    @Test func listNeedsIds() throws {
        let updates = try AppUpdate.decodeList(json: data(#"[{"id": "a", "instances": 1}, {"id": "/b/c", "cmd": "x y"}]"#))
        #expect(updates.map(\.id) == [PathId("/a"), PathId("/b/c")])
        do {
            _ = try AppUpdate.decodeList(json: data(#"[{"id": "/a"}, {"instances": 1}]"#))
            Issue.record("expected 422")
        } catch {
            #expect(error.failures == [ValidationFailure(path: "/(1)/id", "error.path.missing")])
        }
    }
}

@Suite("Scale vs restart", .timeLimit(.minutes(3)))
struct UpgradeKindTests {
    @Test func identicalIsNeither() throws {
        let app = try decodeApp(Fixtures.sleepApp)
        #expect(!app.isOnlyScaleChange(from: app))
        #expect(!app.needsRestart(from: app))
    }

    @Test func instancesOnlyIsScale() throws {
        let old = try decodeApp(Fixtures.sleepApp)
        var new = old
        new.instances = 5
        new.version = Timestamp(millis: 99)
        new.versionInfo = VersionInfo(lastScalingAt: Timestamp(millis: 99), lastConfigChangeAt: Timestamp(millis: 1))
        #expect(new.isOnlyScaleChange(from: old))
        #expect(!new.needsRestart(from: old))
    }

    @Test func anyOtherFieldIsRestart() throws {
        let old = try decodeApp(Fixtures.sleepApp)
        var labels = old
        labels.labels = ["x": "y"]
        var both = old
        both.instances = 9
        both.cmd = "sleep 2000"
        #expect(labels.needsRestart(from: old) && !labels.isOnlyScaleChange(from: old))
        #expect(both.needsRestart(from: old) && !both.isOnlyScaleChange(from: old))
    }
}

import Foundation
import Testing
@testable import WharfModel

@Suite("App defaults", .timeLimit(.minutes(3)))
struct AppDefinitionDefaultsTests {
    @Test func minimalAppGetsMarathonDefaults() throws {
        let app = try decodeApp(#"{"id": "web", "cmd": "sleep 10"}"#)
        #expect(app.id == PathId("/web"))
        #expect(app.instances == 1)
        #expect(app.cpus == 1)
        #expect(app.mem == 128)
        #expect(app.disk == 0)
        #expect(app.gpus == 0)
        #expect(app.backoffSeconds == 1)
        #expect(app.backoffFactor == 1.15)
        #expect(app.maxLaunchDelaySeconds == 300)
        #expect(app.networks == [Network(mode: .host)])
        #expect(app.portDefinitions == [PortDefinition(port: 0, protocol: "tcp", name: "default")])
        #expect(app.upgradeStrategy == UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 1))
        #expect(app.unreachableStrategy == .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0))
        #expect(app.killSelection == .youngestFirst)
        #expect(app.role == "*")
        #expect(app.container == nil)
        #expect(app.validate().isEmpty)
    }

    @Test func unknownFieldsAreIgnored() throws {
        let app = try decodeApp(#"{"id": "/a", "cmd": "x y", "somethingNew": {"deep": [1, 2]}, "tty": true}"#)
        #expect(app.cmd == "x y")
        #expect(app.tty == true)
    }

    @Test func healthCheckDefaultsAndPortIndex() throws {
        let app = try decodeApp(#"{"id": "/a", "cmd": "x y", "healthChecks": [{"protocol": "HTTP"}, {"protocol": "COMMAND", "command": {"value": "true"}}]}"#)
        let http = app.healthChecks[0]
        #expect(http.path == nil, "Marathon has no default path (the probe uses /)")
        #expect(http.portIndex == 0)
        #expect(http.gracePeriodSeconds == 300 && http.intervalSeconds == 60 && http.timeoutSeconds == 20)
        #expect(http.maxConsecutiveFailures == 3 && http.delaySeconds == 15)
        #expect(app.healthChecks[1].portIndex == nil)
        #expect(app.healthChecks[1].command == "true")
        let out = try jsonObject(app)
        let checks = try #require(out["healthChecks"] as? [[String: Any]])
        #expect((checks[1]["command"] as? [String: String])?["value"] == "true")
        #expect(checks[0]["portIndex"] as? Int == 0)
        #expect(checks[0]["path"] == nil && checks[0]["ipProtocol"] as? String == "IPv4" && checks[0]["ignoreHttp1xx"] as? Bool == false)
        #expect(checks[1]["ipProtocol"] as? String == "IPv4" && checks[1]["ignoreHttp1xx"] == nil)
    }

    @Test func envValuesAndSecrets() throws {
        let app = try decodeApp(#"{"id": "/a", "cmd": "x y", "env": {"A": "1", "DB": {"secret": "db"}}, "secrets": {"db": {"source": "/s/db"}}}"#)
        #expect(app.env["A"] == .value("1"))
        #expect(app.env["DB"] == .secret("db"))
        #expect(app.secrets["db"] == SecretDefinition(source: "/s/db"))
    }

    @Test func unreachableStrategyForms() throws {
        #expect(try decodeApp(#"{"id": "/a", "cmd": "x y", "unreachableStrategy": "disabled"}"#).unreachableStrategy == .disabled)
        let enabled = try decodeApp(#"{"id": "/a", "cmd": "x y", "unreachableStrategy": {"inactiveAfterSeconds": 5}}"#)
        #expect(enabled.unreachableStrategy == .enabled(inactiveAfterSeconds: 5, expungeAfterSeconds: 0))
    }

    @Test func constraintsAreCaseInsensitive() throws {
        let app = try decodeApp(#"{"id": "/a", "cmd": "x y", "constraints": [["hostname", "unique"], ["rack", "Max_Per", "2"]]}"#)
        #expect(app.constraints == [Constraint(field: "hostname", op: .unique), Constraint(field: "rack", op: .maxPer, value: "2")])
        let out = try jsonObject(app)
        #expect((out["constraints"] as? [[String]]) == [["hostname", "UNIQUE"], ["rack", "MAX_PER", "2"]])
    }

    @Test func residentAppsDefaultToDisabledUnreachable() throws {
        let app = try decodeApp(#"{"id": "/db", "cmd": "x y", "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW", "persistent": {"size": 10}}]}}"#)
        #expect(app.isResident)
        #expect(app.unreachableStrategy == .disabled)
    }

    @Test func dependenciesResolveAgainstTheAppsGroup() throws {
        let app = try decodeApp(#"{"id": "/shop/web", "cmd": "x y", "dependencies": ["db", "../infra/cache"]}"#)
        #expect(app.dependencies == [PathId("/shop/db"), PathId("/infra/cache")])
    }

    @Test func relativeIdsResolveAgainstBase() throws {
        let app = try decodeApp(#"{"id": "web", "cmd": "x y"}"#, base: PathId("/shop"))
        #expect(app.id.description == "/shop/web")
    }
}

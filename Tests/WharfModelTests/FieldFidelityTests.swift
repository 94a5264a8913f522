import Foundation
import Testing
@testable import WharfModel

/// Members Marathon 1.10 keeps are kept, in the shape its GET writes them, and what its conversion
/// drops is dropped.
@Suite("Field fidelity", .timeLimit(.minutes(1)))
struct FieldFidelityTests {
    @Test func keptMembersComeBack() throws {
        let app = try decodeApp(Fixtures.mesosEverything)
        #expect(app.validate().isEmpty, "\(app.validate())")
        let out = try jsonObject(app)
        #expect(out["tty"] as? Bool == true)
        #expect((out["check"] as? [String: Any])?["timeoutSeconds"] as? Int == 5)
        #expect(((out["check"] as? [String: Any])?["http"] as? [String: Any])?["scheme"] as? String == "HTTP")
        #expect((out["resourceLimits"] as? [String: Any])?["cpus"] as? String == "unlimited")
        #expect((out["resourceLimits"] as? [String: Any])?["mem"] as? Double == 256.5)
        #expect(out["executorResources"] as? [String: Double] == ["cpus": 0.2, "mem": 32, "disk": 10])
        let residency = try #require(out["residency"] as? [String: Any])
        #expect(residency["relaunchEscalationTimeoutSeconds"] as? Int == 3600 && residency["taskLostBehavior"] as? String == "WAIT_FOREVER")
        let container = try #require(out["container"] as? [String: Any])
        #expect((container["linuxInfo"] as? [String: Any])?["seccomp"] as? [String: Bool] == ["unconfined": true])
        let volume = try #require((container["volumes"] as? [[String: Any]])?.first)
        let persistent = try #require(volume["persistent"] as? [String: Any])
        #expect(persistent["type"] as? String == "mount" && persistent["maxSize"] as? Int == 20 && persistent["profileName"] as? String == "fast")
        #expect(persistent["constraints"] as? [[String]] == [["path", "LIKE", "/mnt/.*"]])
        #expect(((container["docker"] as? [String: Any])?["forcePullImage"]) as? Bool == true)
    }

    @Test("what Marathon's conversion drops is dropped")
    func droppedAsMarathonDropsThem() throws {
        let docker = try decodeApp(#"{"id": "/a", "container": {"type": "DOCKER", "docker": {"image": "x"}, "linuxInfo": {"seccomp": {"unconfined": true}}}}"#)
        #expect(docker.container?.linuxInfo == nil, "DOCKER containers have no linuxInfo in Marathon")
        let mesos = try decodeApp(#"{"id": "/a", "container": {"type": "MESOS", "docker": {"image": "x", "privileged": true}}}"#)
        #expect(mesos.container?.docker?.privileged == false, "privileged is a Docker-containerizer setting")
        let checks = try decodeApp(#"""
        {"id": "/a", "cmd": "x y", "healthChecks": [
          {"protocol": "TCP", "path": "/x", "delaySeconds": 1, "ignoreHttp1xx": true},
          {"protocol": "COMMAND", "command": {"value": "true"}, "portIndex": 0, "delaySeconds": 2}]}
        """#)
        #expect(checks.healthChecks[0].path == nil && checks.healthChecks[0].delaySeconds == 15 && !checks.healthChecks[0].ignoreHttp1xx)
        #expect(checks.healthChecks[1].portIndex == nil && checks.healthChecks[1].delaySeconds == 2)
        #expect(try decodeApp(#"{"id": "/a", "cmd": "x y", "unreachableStrategy": "anything"}"#).unreachableStrategy == .disabled,
                "Marathon's reader takes any string as disabled")
    }

    @Test("resident apps: upgradeStrategy {0.5, 0} by default, an explicit one is validated")
    func residentApps() throws {
        let volume = #""container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW", "persistent": {"size": 10}}]}"#
        let app = try decodeApp(#"{"id": "/db", "cmd": "x y", \#(volume)}"#)
        #expect(app.upgradeStrategy == AppDefinition.residentUpgradeStrategy && app.unreachableStrategy == .disabled)
        #expect(app.validate().isEmpty)
        let external = try decodeApp(#"{"id": "/e", "cmd": "x y", "container": {"type": "MESOS", "volumes": [{"containerPath": "d", "mode": "RW", "external": {"name": "v", "provider": "dvdi"}}]}}"#)
        #expect(external.upgradeStrategy == AppDefinition.residentUpgradeStrategy, "external volumes default it too")
        #expect(has(failures(#"{"id": "/db", "cmd": "x y", "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.5}, \#(volume)}"#),
                    "/upgradeStrategy/maximumOverCapacity", "got 0.5, expected 0.0"))
        #expect(has(failures(#"{"id": "/db", "cmd": "x y", "acceptedResourceRoles": ["*", "other"], \#(volume)}"#),
                    "/acceptedResourceRoles", ResourceRoles.residentMessage))
        #expect(has(failures(#"{"id": "/r", "cmd": "x y", "residency": {}, "unreachableStrategy": {"inactiveAfterSeconds": 1, "expungeAfterSeconds": 2}}"#),
                    "/", "unreachableStrategy must be disabled for resident tasks"))
    }

    @Test func containerRulesOfMarathon() {
        #expect(has(failures(#"{"id": "/a", "container": {"type": "MESOS", "docker": {"image": "x", "network": "HOST"}}}"#),
                    "/container/docker/network", "must be empty"))
        #expect(has(failures(#"{"id": "/a", "container": {"type": "DOCKER", "docker": {"image": "x", "pullConfig": {"secret": "s"}}}}"#),
                    "/container/docker/pullConfig", "pullConfig is not supported with Docker containerizer"))
        let pull = #"{"id": "/a", "container": {"type": "MESOS", "docker": {"image": "x", "pullConfig": {"secret": "s"}}}, "secrets": {"s": {"source": "/s"}}}"#
        #expect(failures(pull, features: ["secrets"]).isEmpty)
        #expect(has(failures(#"{"id": "/a", "container": {"type": "MESOS", "docker": {"image": "x", "pullConfig": {"secret": "t"}}}}"#, features: ["secrets"]),
                    "/container/docker/pullConfig", "pullConfig.secret must refer to an existing secret"))
        #expect(has(failures(#"{"id": "/a", "container": {"type": "MESOS", "linuxInfo": {"seccomp": {}}}}"#),
                    "/container/linuxInfo/seccomp", "Seccomp unconfined must be true when Profile is NOT defined"))
        #expect(has(failures(#"{"id": "/a", "container": {"type": "MESOS", "linuxInfo": {"ipcInfo": {"mode": "share_parent", "shmSize": 1}}}}"#),
                    "/container/linuxInfo/ipcInfo", "ipcInfo shmSize can NOT be set when mode is SHARE_PARENT"))
        let twoNetworks = #"{"id": "/a", "networks": [{"name": "a"}, {"name": "b"}], "container": {"type": "MESOS", "portMappings": [{"containerPort": 1, "hostPort": 0}, {"containerPort": 2, "networkNames": ["c"]}]}}"#
        let f = failures(twoNetworks)
        #expect(has(f, "/container/portMappings(0)", "networkNames must be a single item list when hostPort is specified and more than 1 container network is defined"))
        #expect(has(f, "/container/portMappings(1)/networkNames(0)", "is not one of (a,b)"))
    }

    @Test func persistentVolumeRules() {
        func volume(_ json: String) -> [ValidationFailure] {
            failures(#"{"id": "/a", "cmd": "x y", "container": {"type": "MESOS", "volumes": [\#(json)]}}"#)
        }
        #expect(has(volume(#"{"containerPath": "d", "mode": "RO", "persistent": {"size": 1}}"#), "/container/volumes(0)/mode", "does not equal RW"))
        #expect(has(volume(#"{"containerPath": "..", "mode": "RW", "persistent": {"size": 1}}"#), "/container/volumes(0)/containerPath", "can not be one of (.,..)"))
        #expect(has(volume(#"{"containerPath": "d", "mode": "RW", "persistent": {"size": 1, "maxSize": 2}}"#), "/container/volumes(0)/persistent", "Only mount volumes can have maxSize"))
        #expect(has(volume(#"{"containerPath": "d", "mode": "RW", "persistent": {"size": 1, "constraints": [["path", "LIKE", "x"]]}}"#),
                    "/container/volumes(0)/persistent", "Constraints on root volumes are not supported"))
        #expect(has(volume(#"{"containerPath": "d", "mode": "RW", "persistent": {"type": "mount", "size": 2, "maxSize": 2}}"#),
                    "/container/volumes(0)/persistent", "Max size must be larger than size"))
        #expect(has(volume(#"{"containerPath": "d", "mode": "RW", "persistent": {"type": "mount", "size": 2, "constraints": [["path", "IS", "x"]]}}"#),
                    "/container/volumes(0)/persistent/constraints(0)", "Operator must be one of LIKE, UNLIKE"))
        #expect(has(volume(#"{"containerPath": "/s", "secret": "nope"}"#), "/container/volumes(0)", "volume.secret must refer to an existing secret"))
    }

    @Test func acceptedResourceRolesFollowTheAppsRole() {
        #expect(failures(#"{"id": "/a", "cmd": "x y", "acceptedResourceRoles": ["*", "*"]}"#).isEmpty, "read into a set, as Marathon does")
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "acceptedResourceRoles": ["slave_public"]}"#), "/acceptedResourceRoles",
                    "acceptedResourceRoles can only contain *"))
        #expect(failures(#"{"id": "/a", "cmd": "x y", "role": "dev", "acceptedResourceRoles": ["dev", "*"]}"#).isEmpty)
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "role": "dev", "acceptedResourceRoles": ["prod"]}"#), "/acceptedResourceRoles",
                    "acceptedResourceRoles can only contain * and dev"))
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "acceptedResourceRoles": ["-x"]}"#), "/acceptedResourceRoles(0)",
                    "A role name must not start with a '-'."))
    }

    @Test("GET leaves out empty collections, as Marathon's serializer does")
    func emptyCollectionsAreLeftOut() throws {
        let out = try jsonObject(try decodeApp(#"{"id": "/a", "cmd": "x y", "args": [], "env": {}, "constraints": [], "fetch": [], "healthChecks": [], "dependencies": []}"#))
        for absent in ["args", "env", "constraints", "fetch", "healthChecks", "readinessChecks", "dependencies", "secrets", "storeUrls"] {
            #expect(out[absent] == nil, "\(absent)")
        }
        #expect(out["labels"] as? [String: String] == [:], "labels are always written")
    }
}

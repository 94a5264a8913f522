import Foundation
import Testing
@testable import WharfModel

@Suite("Validation rules", .timeLimit(.minutes(3)))
struct ValidationTests {
    @Test func idRules() {
        #expect(has(failures(#"{"id": "/Web", "cmd": "x y"}"#), "/id", "must fully match regular expression '\(PathId.segmentPattern)'"))
        #expect(has(failures(#"{"id": "/a/-b", "cmd": "x y"}"#), "/id", "must fully match regular expression '\(PathId.segmentPattern)'"))
        #expect(has(failures(#"{"id": "/a/tasks", "cmd": "x y"}"#), "/id",
                    "must not end with any of the following reserved keywords: restart, tasks, versions, ., .."))
        let root = failures(#"{"id": "/", "cmd": "x y"}"#)
        #expect(has(root, "/", "must not be root"))
        #expect(has(root, "/id", "Path must contain at least one path element"))
        #expect(failures(#"{"id": "/a.b/c-d/e1", "cmd": "x y"}"#).isEmpty)
    }

    @Test func cmdArgsContainerRule() {
        let message = "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."
        #expect(has(failures(#"{"id": "/a"}"#), "/", message))
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "args": ["x"]}"#), "/", message))
        #expect(failures(#"{"id": "/a", "args": ["sleep", "1"]}"#).isEmpty)
        #expect(failures(#"{"id": "/a", "container": {"type": "DOCKER", "docker": {"image": "busybox"}}}"#).isEmpty)
        #expect(has(failures(#"{"id": "/a", "cmd": ""}"#), "/", "must not be an empty string"))
    }

    @Test func resourceBounds() {
        let f = failures(#"{"id": "/a", "cmd": "x y", "instances": -3, "cpus": -3, "mem": -3, "disk": -1.5, "backoffSeconds": -1, "backoffFactor": 0.5, "maxLaunchDelaySeconds": -2, "taskKillGracePeriodSeconds": -1}"#)
        #expect(has(f, "/instances", "got -3, expected 0 or more"))
        #expect(has(f, "/cpus", "got -3.0, expected 0.0 or more"))
        #expect(has(f, "/mem", "got -3.0, expected 0.0 or more"))
        #expect(has(f, "/disk", "got -1.5, expected 0.0 or more"))
        #expect(has(f, "/backoffSeconds", "got -1, expected 0 or more"))
        #expect(has(f, "/backoffFactor", "got 0.5, expected 1.0 or more"))
        #expect(has(f, "/maxLaunchDelaySeconds", "got -2, expected 0 or more"))
        #expect(has(f, "/taskKillGracePeriodSeconds", "got -1, expected 0 or more"))
    }

    @Test("values too large to honour are refused instead of overflowing later")
    func upperBounds() {
        let f = failures(#"{"id": "/a", "cmd": "x y", "instances": 9223372036854775807, "cpus": 1e300, "mem": 1e300, "backoffSeconds": 10000000000, "maxLaunchDelaySeconds": 10000000000, "taskKillGracePeriodSeconds": 10000000000}"#)
        #expect(has(f, "/instances", "got 9223372036854775807, expected 1000000 or less"))
        for path in ["/cpus", "/mem", "/backoffSeconds", "/maxLaunchDelaySeconds", "/taskKillGracePeriodSeconds"] {
            #expect(f.contains { $0.path == path }, "\(path) should be refused")
        }
        #expect(failures(#"{"id": "/a", "cmd": "x y", "instances": 1000000, "maxLaunchDelaySeconds": 3600}"#).isEmpty)
    }

    @Test func multipleErrorsAreReportedTogether() throws {
        do {
            _ = try AppDefinition.decodeValidated(json: data(#"{"id": "/A", "instances": -1, "upgradeStrategy": {"minimumHealthCapacity": 1.5, "maximumOverCapacity": -0.5}}"#))
            Issue.record("expected a validation error")
        } catch {
            #expect(error.status == 422)
            #expect(error.message == "Object is not valid")
            let paths = Set(error.failures.map(\.path))
            #expect(paths == ["/id", "/", "/instances", "/upgradeStrategy/minimumHealthCapacity", "/upgradeStrategy/maximumOverCapacity"])
            #expect(has(error.failures, "/upgradeStrategy/minimumHealthCapacity", "is greater than 1"))
            #expect(has(error.failures, "/upgradeStrategy/maximumOverCapacity", "is less than 0"))
        }
    }

    @Test func portDefinitionRules() {
        let f = failures(#"{"id": "/a", "cmd": "x y", "portDefinitions": [{"port": 80, "name": "web"}, {"port": 80, "name": "web"}, {"port": 70000, "name": "Bad_Name"}]}"#)
        #expect(has(f, "/portDefinitions", "Port names must be unique."))
        #expect(has(f, "/portDefinitions", "Ports must be unique."))
        #expect(has(f, "/portDefinitions(2)/port", "got 70000, expected between 0 and 65535"))
        #expect(has(f, "/portDefinitions(2)/name", "must fully match regular expression '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"))
        #expect(failures(#"{"id": "/a", "cmd": "x y", "portDefinitions": [{"port": 0}, {"port": 0}]}"#).isEmpty)
    }

    @Test func portMappingsNotWithHostNetworking() {
        let f = failures(#"{"id": "/a", "networks": [{"mode": "host"}], "container": {"docker": {"image": "x"}, "portMappings": [{"containerPort": 80}]}}"#)
        #expect(has(f, "/", "portMappings are not allowed with host-networking"))
        let defs = failures(#"{"id": "/a", "networks": [{"mode": "container/bridge"}], "portDefinitions": [{"port": 1}], "container": {"docker": {"image": "x"}}}"#)
        #expect(has(defs, "/", "portDefinitions are only allowed with host-networking"))
    }

    @Test func dockerNeedsImage() {
        #expect(has(failures(#"{"id": "/a", "container": {"type": "DOCKER", "docker": {"image": ""}}}"#), "/container/docker/image", "must not be empty"))
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "container": {"type": "DOCKER"}}"#), "/container/docker", "must not be empty"))
    }

    @Test func healthCheckRules() {
        let f = failures(#"""
        {"id": "/a", "cmd": "x y", "healthChecks": [
          {"protocol": "HTTP", "portIndex": 3},
          {"protocol": "TCP", "timeoutSeconds": 30, "intervalSeconds": 10, "gracePeriodSeconds": -1},
          {"protocol": "COMMAND"},
          {"protocol": "MESOS_HTTP"}]}
        """#)
        #expect(has(f, "/healthChecks(0)", "Health check port indices must address an element of the ports array or container port mappings."))
        #expect(has(f, "/healthChecks(1)/timeoutSeconds", "got 30, expected less than 10"))
        #expect(has(f, "/healthChecks(1)/gracePeriodSeconds", "got -1, expected 0 or more"))
        #expect(has(f, "/healthChecks(2)/command", "must not be empty"))
        #expect(has(f, "/", "AppDefinition can contain at most one Mesos health check"))
        let noPorts = failures(#"{"id": "/a", "cmd": "x y", "portDefinitions": [], "healthChecks": [{"protocol": "HTTP"}]}"#)
        #expect(has(noPorts, "/healthChecks(0)", "Health check port indices must address an element of the ports array or container port mappings."))
        #expect(failures(#"{"id": "/a", "cmd": "x y", "portDefinitions": [], "healthChecks": [{"protocol": "HTTP", "port": 8080}]}"#).isEmpty)
    }

    @Test func readinessCheckRules() {
        let f = failures(#"""
        {"id": "/a", "cmd": "x y", "portDefinitions": [{"port": 0, "name": "http"}],
         "readinessChecks": [{"portName": "nope", "timeoutSeconds": 30, "intervalSeconds": 30}, {"portName": "http"}]}
        """#)
        #expect(has(f, "/readinessChecks", "got 2, expected 1 or less"))
        #expect(has(f, "/readinessChecks(0)/portName", "No port definition reference for portName nope"))
        #expect(has(f, "/readinessChecks(0)/timeoutSeconds", "got 30, expected less than 30"))
        #expect(!f.contains { $0.path.hasPrefix("/readinessChecks(1)") })
    }

    @Test func constraintRules() {
        let f = failures(#"""
        {"id": "/a", "cmd": "x y", "constraints": [["hostname", "IN", "a"], ["rack", "MAX_PER", "x"], ["rack", "LIKE"],
          ["rack", "LIKE", "(("], ["rack", "IS", "a b"], ["rack", "UNIQUE", "v"], ["rack", "GROUP_BY", "z"], ["", "CLUSTER"], ["a"]]}
        """#)
        #expect(has(f, "/constraints(0)", "operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS"))
        #expect(has(f, "/constraints(8)", "Each constraint must have either 2 or 3 fields"))
        // Constraints that decode keep their indexes only when all before them decoded; check messages.
        let messages = Set(f.flatMap(\.errors))
        for expected in ["MAX_PER requires an integer value", "LIKE and UNLIKE require a non-empty, regular expression value",
                         "is not a valid regular expression", "UNIQUE does not accept a value",
                         "GROUP BY must define an integer value or else no value at all", "missing field for constraint declaration",
                         "IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)"] {
            #expect(messages.contains(expected), "missing: \(expected)")
        }
        #expect(failures(#"{"id": "/a", "cmd": "x y", "constraints": [["hostname", "UNIQUE"], ["rack", "CLUSTER", "r1"], ["rack", "GROUP_BY", "3"], ["rack", "MAX_PER", "2"], ["host", "LIKE", "a.*"], ["os", "IS", "linux"]]}"#).isEmpty)
    }

    @Test func dependenciesMustBeValidIds() {
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "dependencies": ["/B_c"]}"#), "/dependencies(0)",
                    "must fully match regular expression '\(PathId.segmentPattern)'"))
    }

    @Test func singleInstanceLabel() {
        let f = failures(#"{"id": "/a", "cmd": "x y", "instances": 2, "labels": {"MARATHON_SINGLE_INSTANCE_APP": "true"}}"#)
        #expect(has(f, "/", "Single instance app may only have one instance"))
        #expect(has(f, "/upgradeStrategy/minimumHealthCapacity", "got 1.0, expected 0.0"))
        #expect(failures(#"{"id": "/a", "cmd": "x y", "labels": {"MARATHON_SINGLE_INSTANCE_APP": "true"}, "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}"#).isEmpty)
    }

    @Test func secretsNeedTheFeature() {
        let json = #"{"id": "/a", "cmd": "x y", "env": {"PW": {"secret": "pw"}}, "secrets": {"pw": {"source": "/pw"}}}"#
        let f = failures(json)
        #expect(has(f, "/secrets", "Feature secrets is not enabled. Enable with --enable_features secrets)"))
        #expect(has(f, "/env", "use of secret-references in the environment requires the secrets feature to be enabled"))
        #expect(failures(json, features: ["secrets"]).isEmpty)
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "env": {"PW": {"secret": "nope"}}}"#, features: ["secrets"]), "/env/PW/secret", "references an undefined secret"))
    }

    @Test func unreachableStrategyOrder() {
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "unreachableStrategy": {"inactiveAfterSeconds": 10, "expungeAfterSeconds": 5}}"#),
                    "/unreachableStrategy/inactiveAfterSeconds", "inactiveAfterSeconds (10) must be less or equal to expungeAfterSeconds, which is 5"))
    }

    @Test func residentAppsRules() {
        let f = failures(#"{"id": "/db", "cmd": "x y", "unreachableStrategy": {"inactiveAfterSeconds": 1, "expungeAfterSeconds": 2}, "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "persistent": {"size": 10}}]}}"#)
        #expect(has(f, "/", "unreachableStrategy must be disabled for resident tasks"))
        #expect(has(f, "/upgradeStrategy/maximumOverCapacity", "got 1.0, expected 0.0"))
    }

    @Test func gpusNeedFeatureAndMesos() {
        let f = failures(#"{"id": "/a", "gpus": 1, "container": {"type": "DOCKER", "docker": {"image": "x"}}}"#)
        #expect(has(f, "/", "GPU resources only work with the Mesos containerizer"))
        #expect(has(f, "/", "Feature gpu_resources is not enabled. Enable with --enable_features gpu_resources)"))
    }

    @Test func listValidationPrefixesIndexes() throws {
        do {
            _ = try AppDefinition.decodeValidatedList(json: data(#"[{"id": "/ok", "cmd": "x y"}, {"id": "/Bad", "cmd": "x y"}]"#))
            Issue.record("expected failure")
        } catch {
            #expect(error.failures.map(\.path) == ["/(1)/id"])
        }
    }
}

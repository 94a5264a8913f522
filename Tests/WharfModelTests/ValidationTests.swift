import Foundation
import Testing
@testable import WharfModel

@Suite("Validation rules", .timeLimit(.minutes(3)))
struct ValidationTests {
    @Test func idRules() {
        // The RAML PathId pattern is checked first (422 "Invalid JSON"), Marathon's id rules after it.
        #expect(has(failures(#"{"id": "/Web", "cmd": "x y"}"#), "/id", "error.pattern"))
        #expect(has(failures(#"{"id": "/a/-b", "cmd": "x y"}"#), "/id", "error.pattern"))
        #expect(has(failures(#"{"id": "./a", "cmd": "x y"}"#), "/id", "error.pattern"))
        #expect(has(failures(#"{"id": "", "cmd": "x y"}"#), "/id", "error.minLength"))
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
        #expect(has(failures(#"{"id": "/a", "args": []}"#), "/", message), "empty args count as none")
        #expect(failures(#"{"id": "/a", "args": ["sleep", "1"]}"#).isEmpty)
        #expect(failures(#"{"id": "/a", "container": {"type": "DOCKER", "docker": {"image": "busybox"}}}"#).isEmpty)
        #expect(has(failures(#"{"id": "/a", "cmd": ""}"#), "/cmd", "error.minLength"))
        #expect(has(failures(#"{"id": "/a", "cmd": "x"}"#), "/", "must not be an empty string"))
        // The RAML executor pattern must match the whole value (Play's Reads.pattern).
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "executor": "a//b"}"#), "/executor", "error.pattern"))
        #expect(failures(#"{"id": "/a", "cmd": "x y", "executor": "//cmd"}"#).isEmpty)
        #expect(failures(#"{"id": "/a", "cmd": "x y", "executor": "/opt/executor"}"#).isEmpty)
    }

    @Test("values below the RAML minimums fail Marathon's reader: 422 Invalid JSON, error.min per path")
    func resourceBounds() throws {
        let body = #"{"id": "/a", "cmd": "x y", "instances": -3, "cpus": 0, "mem": -3, "disk": -1.5, "gpus": -1, "backoffSeconds": -1, "backoffFactor": 0.5, "maxLaunchDelaySeconds": -2, "taskKillGracePeriodSeconds": -1}"#
        let error = try #require(decodeError(body))
        #expect(error.status == 422 && error.message == "Invalid JSON")
        for path in ["/instances", "/cpus", "/mem", "/disk", "/gpus", "/backoffSeconds", "/backoffFactor", "/maxLaunchDelaySeconds",
                     "/taskKillGracePeriodSeconds"] {
            #expect(has(error.failures, path, "error.min"), "\(path): \(error.failures)")
        }
        #expect(failures(#"{"id": "/a", "cmd": "x y", "cpus": 0.001, "mem": 0, "instances": 0, "backoffFactor": 1}"#).isEmpty)
    }

    @Test("values too large to honour are refused instead of overflowing later")
    func upperBounds() {
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "instances": 9223372036854775807}"#), "/instances", "error.expected.int"))
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "instances": 1000001}"#), "/instances", "got 1000001, expected 1000000 or less"))
        let f = failures(#"{"id": "/a", "cmd": "x y", "cpus": 1e300, "mem": 1e300, "backoffSeconds": 2000000000, "maxLaunchDelaySeconds": 2000000000, "taskKillGracePeriodSeconds": 2000000000}"#)
        for path in ["/cpus", "/mem", "/backoffSeconds", "/maxLaunchDelaySeconds", "/taskKillGracePeriodSeconds"] {
            #expect(f.contains { $0.path == path }, "\(path) should be refused")
        }
        #expect(failures(#"{"id": "/a", "cmd": "x y", "instances": 1000000, "maxLaunchDelaySeconds": 3600}"#).isEmpty)
    }

    @Test func multipleErrorsAreReportedTogether() throws {
        let raml = try #require(decodeError(#"{"id": "/A", "instances": -1, "upgradeStrategy": {"minimumHealthCapacity": 1.5, "maximumOverCapacity": -0.5}}"#))
        #expect(raml.status == 422 && raml.message == "Invalid JSON")
        #expect(Set(raml.failures.map(\.path)) == ["/id", "/instances", "/upgradeStrategy/minimumHealthCapacity", "/upgradeStrategy/maximumOverCapacity"])
        #expect(has(raml.failures, "/upgradeStrategy/minimumHealthCapacity", "error.max"))
        #expect(has(raml.failures, "/upgradeStrategy/maximumOverCapacity", "error.min"))

        let rules = try #require(decodeError(#"{"id": "/a", "cmd": "x y", "args": ["x"], "instances": 2, "labels": {"MARATHON_SINGLE_INSTANCE_APP": "true"}}"#))
        #expect(rules.status == 422 && rules.message == "Object is not valid")
        #expect(Set(rules.failures.map(\.path)) == ["/", "/upgradeStrategy/minimumHealthCapacity", "/upgradeStrategy/maximumOverCapacity"])
    }

    @Test func portDefinitionRules() {
        let f = failures(#"{"id": "/a", "cmd": "x y", "portDefinitions": [{"port": 80, "name": "web"}, {"port": 80, "name": "web"}]}"#)
        #expect(has(f, "/portDefinitions", "Port names must be unique."))
        #expect(has(f, "/portDefinitions", "Ports must be unique."))
        let raml = failures(#"{"id": "/a", "cmd": "x y", "portDefinitions": [{"port": 70000, "name": "Bad_Name", "protocol": "tcp,udp"}]}"#)
        #expect(has(raml, "/portDefinitions(0)/port", "error.max"))
        #expect(has(raml, "/portDefinitions(0)/name", "error.pattern"))
        #expect(has(raml, "/portDefinitions(0)/protocol", "error.unknown.enum.literal"))
        #expect(failures(#"{"id": "/a", "cmd": "x y", "portDefinitions": [{"port": 0}, {"port": 0, "protocol": "UDP,TCP"}]}"#).isEmpty)
    }

    @Test("ports of the other networking mode are dropped before validation, as Marathon's normalisation does")
    func portsOfTheOtherModeAreDropped() throws {
        let host = try decodeApp(#"{"id": "/a", "networks": [{"mode": "host"}], "container": {"docker": {"image": "x"}, "portMappings": [{"containerPort": 80}]}}"#)
        #expect(host.validate().isEmpty)
        #expect(host.container?.portMappings == nil)
        let bridge = try decodeApp(#"{"id": "/a", "networks": [{"mode": "container/bridge"}], "portDefinitions": [{"port": 1}, {"port": 2}], "container": {"docker": {"image": "x"}}}"#)
        #expect(bridge.validate().isEmpty)
        #expect(bridge.portDefinitions.isEmpty)
        #expect(bridge.container?.portMappings?.count == 2, "one mapping per dropped port definition")
        #expect(try jsonObject(bridge)["portDefinitions"] == nil)
    }

    @Test func dockerNeedsImage() {
        #expect(has(failures(#"{"id": "/a", "container": {"type": "DOCKER", "docker": {"image": ""}}}"#), "/container/docker/image", "error.minLength"))
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "container": {"type": "DOCKER"}}"#), "/container/docker", "not defined"))
    }

    @Test func healthCheckRules() {
        let f = failures(#"""
        {"id": "/a", "cmd": "x y", "healthChecks": [
          {"protocol": "HTTP", "portIndex": 3},
          {"protocol": "TCP", "timeoutSeconds": 30, "intervalSeconds": 10},
          {"protocol": "COMMAND"},
          {"protocol": "MESOS_HTTP"}]}
        """#)
        #expect(has(f, "/healthChecks(0)", "Health check port indices must address an element of the ports array or container port mappings."))
        #expect(!f.contains { $0.path.hasPrefix("/healthChecks(1)") }, "a timeout above the interval is allowed for app health checks")
        #expect(has(f, "/healthChecks(2)/command", "must not be empty"))
        #expect(has(f, "/", "AppDefinition can contain at most one Mesos health check"))
        #expect(has(failures(#"{"id": "/a", "cmd": "x y", "healthChecks": [{"gracePeriodSeconds": -1, "portIndex": 70000}]}"#),
                    "/healthChecks(0)/gracePeriodSeconds", "error.min"))
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
        let f = failures(#"{"id": "/db", "cmd": "x y", "unreachableStrategy": {"inactiveAfterSeconds": 1, "expungeAfterSeconds": 2}, "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 1}, "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW", "persistent": {"size": 10}}]}}"#)
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
            #expect(error.failures.first?.errors == ["error.pattern"])
        }
    }
}

/// The error a request body is refused with, or nil when it is accepted.
func decodeError(_ json: String, features: Set<String> = []) -> MarathonInputError? {
    do {
        _ = try AppDefinition.decodeValidated(json: data(json), enabledFeatures: features)
        return nil
    } catch {
        return error
    }
}

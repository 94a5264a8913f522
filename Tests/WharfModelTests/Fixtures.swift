import Foundation
import Testing
@testable import WharfModel

/// Marathon example definitions (`tests/system/apps/*.json` in mesosphere/marathon), inline.
enum Fixtures {
    static let sleepApp = #"{"id": "/sleep-app", "cmd": "sleep 1000", "cpus": 0.01, "mem": 32, "disk": 1, "instances": 2}"#

    static let httpServer = #"""
    {"id": "python-http", "cmd": "python3 -m http.server $PORT0", "cpus": 0.5, "mem": 64, "instances": 1,
     "healthChecks": [{"protocol": "HTTP", "path": "/", "gracePeriodSeconds": 5, "intervalSeconds": 10, "timeoutSeconds": 5}]}
    """#

    static let dockerBridge = #"""
    {"id": "/docker/nginx", "instances": 2, "cpus": 0.2, "mem": 64,
     "container": {"type": "DOCKER", "docker": {"image": "nginx:1.25", "network": "BRIDGE",
                   "portMappings": [{"containerPort": 80, "protocol": "tcp", "name": "http"}]}},
     "healthChecks": [{"protocol": "HTTP", "path": "/", "portIndex": 0}]}
    """#

    static let readinessAndHealth = #"""
    {"id": "/readiness-and-health", "cmd": "python3 -m http.server $PORT0", "cpus": 0.1, "mem": 32, "instances": 1,
     "portDefinitions": [{"port": 0, "name": "http"}],
     "readinessChecks": [{"name": "ready", "protocol": "HTTP", "path": "/ready", "portName": "http",
                          "intervalSeconds": 2, "timeoutSeconds": 1, "httpStatusCodesForReady": [200]}],
     "healthChecks": [{"protocol": "HTTP", "path": "/health", "portIndex": 0, "maxConsecutiveFailures": 0,
                       "intervalSeconds": 2, "timeoutSeconds": 1}],
     "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}
    """#

    static let all = [sleepApp, httpServer, dockerBridge, readinessAndHealth]

    /// A MESOS app with every member Marathon 1.10 keeps beyond marathon-python's keys.
    static let mesosEverything = #"""
    {"id": "/everything/mesos", "cmd": "sleep 1000", "cpus": 0.5, "mem": 64, "tty": true,
     "portDefinitions": [{"port": 0, "name": "http", "labels": {"VIP_0": "/e:80"}}, {"port": 0, "protocol": "udp,tcp"}],
     "check": {"http": {"portIndex": 0, "path": "/ping"}, "intervalSeconds": 10, "timeoutSeconds": 5},
     "resourceLimits": {"cpus": "unlimited", "mem": 256.5}, "executorResources": {"cpus": 0.2},
     "healthChecks": [{"protocol": "COMMAND", "command": {"value": "true"}, "delaySeconds": 3},
                      {"protocol": "HTTPS", "portIndex": 1, "ignoreHttp1xx": true, "timeoutSeconds": 90}],
     "upgradeStrategy": {"minimumHealthCapacity": 0.25, "maximumOverCapacity": 0},
     "container": {"type": "MESOS", "docker": {"image": "busybox", "forcePullImage": true},
                   "linuxInfo": {"seccomp": {"unconfined": true}, "ipcInfo": {"mode": "SHARE_PARENT"}},
                   "volumes": [{"containerPath": "data", "mode": "RW",
                                "persistent": {"type": "mount", "size": 10, "maxSize": 20, "profileName": "fast",
                                               "constraints": [["path", "LIKE", "/mnt/.*"]]}},
                               {"containerPath": "/etc/x", "hostPath": "/etc/x", "mode": "RO"}]}}
    """#

    /// A Docker app on a named container network with the members that go with it.
    static let dockerEverything = #"""
    {"id": "/everything/docker", "args": ["nginx", "-g", "daemon off;"], "cpus": 0.2, "mem": 64,
     "networks": [{"mode": "container", "name": "dcos", "labels": {"tier": "web"}}],
     "container": {"type": "DOCKER", "docker": {"image": "nginx:1.25", "privileged": true,
                   "parameters": [{"key": "label", "value": "b=2"}, {"key": "label", "value": "a=1"}]},
                   "portMappings": [{"containerPort": 80, "hostPort": 0, "name": "http", "labels": {"VIP_0": "/w:80"}, "networkNames": ["dcos"]}]},
     "healthChecks": [{"protocol": "MESOS_HTTP", "portIndex": 0, "path": "/h", "ipProtocol": "IPv6"}],
     "fetch": [{"uri": "https://example.com/a.tgz", "destPath": "a.tgz", "cache": true}],
     "env": {"Z": "1", "A": "2"}, "constraints": [["hostname", "UNIQUE"]], "dependencies": ["/everything/mesos"],
     "killSelection": "OLDEST_FIRST", "unreachableStrategy": "disabled", "acceptedResourceRoles": ["*"]}
    """#

    /// Definitions with members outside marathon-python's keys.
    static let extended = [mesosEverything, dockerEverything]

    /// marathon-python 0.13.0 `MarathonApp.__init__` keys (marathon.md §8).
    static let marathonPythonAppKeys: Set<String> = [
        "acceptedResourceRoles", "args", "backoffFactor", "backoffSeconds", "cmd", "constraints", "container", "cpus",
        "dependencies", "deployments", "disk", "env", "executor", "healthChecks", "id", "role", "instances",
        "killSelection", "labels", "lastTaskFailure", "maxLaunchDelaySeconds", "mem", "ports", "requirePorts",
        "storeUrls", "taskRateLimit", "tasks", "tasksRunning", "tasksStaged", "tasksHealthy",
        "taskKillGracePeriodSeconds", "tasksUnhealthy", "upgradeStrategy", "unreachableStrategy", "uris", "user",
        "version", "versionInfo", "ipAddress", "fetch", "taskStats", "readinessChecks", "readinessCheckResults",
        "secrets", "portDefinitions", "residency", "gpus", "networks",
    ]
}

func data(_ json: String) -> Data { Data(json.utf8) }

func decodeApp(_ json: String, base: PathId = .root) throws -> AppDefinition {
    try AppDefinition.decode(json: data(json), relativeTo: base)
}

/// The app's GET JSON as a Foundation object tree.
func jsonObject(_ app: AppDefinition) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: app.marathonJSON()) as? [String: Any])
}

/// Validation failures of a JSON app body (normalisation conflicts included).
func failures(_ json: String, features: Set<String> = []) -> [ValidationFailure] {
    do {
        _ = try AppDefinition.decodeValidated(json: data(json), enabledFeatures: features)
        return []
    } catch {
        return error.failures
    }
}

/// Whether `list` has a failure at `path` containing `message`.
func has(_ list: [ValidationFailure], _ path: String, _ message: String) -> Bool {
    list.contains { $0.path == path && $0.errors.contains(message) }
}

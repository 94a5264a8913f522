import Foundation
@testable import WharfServer
import WharfModel

/// Fixtures and marathon-python's accepted key sets for the Marathon API rendering tests.
enum MarathonAPIFixtures {
    /// `MarathonApp.__init__` keys of marathon-python 0.13.0 (camelCase), which rejects any other.
    static let marathonAppKeys: Set<String> = [
        "acceptedResourceRoles", "args", "backoffFactor", "backoffSeconds", "cmd", "constraints", "container", "cpus",
        "dependencies", "deployments", "disk", "env", "executor", "healthChecks", "id", "role", "instances",
        "killSelection", "labels", "lastTaskFailure", "maxLaunchDelaySeconds", "mem", "ports", "requirePorts",
        "storeUrls", "taskRateLimit", "tasks", "tasksRunning", "tasksStaged", "tasksHealthy",
        "taskKillGracePeriodSeconds", "tasksUnhealthy", "upgradeStrategy", "unreachableStrategy", "uris", "user",
        "version", "versionInfo", "ipAddress", "fetch", "taskStats", "readinessChecks", "readinessCheckResults",
        "secrets", "portDefinitions", "residency", "gpus", "networks",
    ]
    /// `MarathonTask.__init__` keys.
    static let marathonTaskKeys: Set<String> = [
        "appId", "healthCheckResults", "host", "id", "ports", "servicePorts", "slaveId", "stagedAt", "startedAt",
        "version", "ipAddresses", "state", "localVolumes", "region", "zone", "role",
    ]
    /// `MarathonHealthCheckResult.__init__` keys.
    static let healthCheckResultKeys: Set<String> = [
        "alive", "consecutiveFailures", "firstSuccess", "lastFailure", "lastSuccess", "taskId", "lastFailureCause",
        "instanceId",
    ]
    /// `MarathonDeployment.__init__` keys.
    static let deploymentKeys: Set<String> = [
        "affectedApps", "currentActions", "currentStep", "id", "steps", "totalSteps", "version", "affectedPods",
    ]
    /// `MarathonDeploymentAction.__init__` keys.
    static let deploymentActionKeys: Set<String> = ["action", "app", "apps", "type", "readinessCheckResults", "pod"]
    /// `MarathonQueueItem.__init__` keys (no `role`).
    static let queueItemKeys: Set<String> = [
        "app", "overdue", "count", "delay", "since", "processedOffersSummary", "lastUnusedOffers",
    ]
    /// `MarathonGroup.__init__` keys.
    static let groupKeys: Set<String> = ["apps", "dependencies", "groups", "id", "pods", "version", "enforceRole"]

    static let t0 = Timestamp(millis: 1_700_000_000_000)

    static func app(_ id: String, instances: Int = 2, labels: [String: String] = [:], cmd: String = "sleep 1000") -> AppDefinition {
        var app = AppDefinition(id: PathId(id))
        app.cmd = cmd
        app.instances = instances
        app.mem = 16
        app.cpus = 0.1
        app.labels = labels
        app.portDefinitions = [PortDefinition(port: 10_000, name: "default")]
        app.version = t0
        app.versionInfo = VersionInfo(lastScalingAt: t0, lastConfigChangeAt: t0)
        return app
    }

    static func instance(of app: AppDefinition, _ n: Int, state: TaskState = .running, healthy: Bool? = nil) -> Instance {
        let staged = t0.adding(seconds: Double(n))
        return Instance(
            id: Instance.makeId(appId: app.id, unique: "00000000-0000-0000-0000-\(String(format: "%012d", n))"),
            appId: app.id, appVersion: t0, configVersion: t0, agentId: "agent-1", host: "10.0.0.\(n % 250 + 1)",
            ports: [31_000 + n], resources: app.resources, state: state, stagedAt: staged,
            startedAt: state == .running ? staged.adding(seconds: 1) : nil, healthy: healthy)
    }

    /// A state with `apps` and `perApp` instances each (running), plus a deployment on the first app.
    static func state(apps: [AppDefinition], perApp: Int) -> ClusterState {
        var state = ClusterState()
        var n = 0
        for app in apps {
            state.apps[app.id] = app
            for _ in 0..<perApp {
                n += 1
                state.upsert(instance(of: app, n))
            }
        }
        if let first = apps.first {
            let deployment = Deployment(
                id: "d-1", version: t0, steps: [DeploymentStep(actions: [DeploymentAction(action: .scaleApplication, app: first.id)])],
                currentStep: 1, original: [:], target: [first.id: first])
            state.deployments[deployment.id] = deployment
        }
        state.rootVersion = t0
        return state
    }

    /// Parses JSON bytes into a Foundation object.
    static func json(_ bytes: [UInt8]) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    /// Whether any value in `value` (recursively) is JSON null.
    static func containsNull(_ value: Any) -> Bool {
        switch value {
        case is NSNull: return true
        case let object as [String: Any]: return object.values.contains(where: containsNull)
        case let array as [Any]: return array.contains(where: containsNull)
        default: return false
        }
    }
}

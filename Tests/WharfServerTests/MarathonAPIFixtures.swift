import Foundation
@testable import WharfServer
import WharfModel

/// Fixtures and the key sets of Marathon 1.10's RAML types (`docs/docs/rest-api/public/api/v2/types`)
/// for the Marathon API rendering tests. marathon-python 0.13 rejects keys it does not know; it
/// accepts all of these except `tasksStats` and a queue item's `role`, which Marathon 1.10 writes too.
enum MarathonAPIFixtures {
    /// `App` (`types/app.raml`) and `AppInfo` properties, plus Wharf's documented app extensions
    /// (`progressDeadlineSeconds`, `autoRollback`, and `routeErrors` when a label is rejected).
    static let marathonAppKeys: Set<String> = [
        "id", "acceptedResourceRoles", "args", "backoffFactor", "backoffSeconds", "cmd", "constraints", "container",
        "cpus", "dependencies", "disk", "env", "executor", "executorResources", "fetch", "healthChecks", "check",
        "instances", "labels", "maxLaunchDelaySeconds", "mem", "gpus", "ipAddress", "networks", "ports",
        "portDefinitions", "readinessChecks", "residency", "resourceLimits", "requirePorts", "secrets",
        "taskKillGracePeriodSeconds", "upgradeStrategy", "uris", "user", "version", "versionInfo", "killSelection",
        "unreachableStrategy", "tty", "role",
        "tasksStaged", "tasksRunning", "tasksHealthy", "tasksUnhealthy", "deployments", "readinessCheckResults", "tasks",
        "lastTaskFailure", "tasksStats",
        "progressDeadlineSeconds", "autoRollback", "routeErrors",
        // Not in Marathon 1.10's App (only in its storage format); the app definition's writer
        // (WharfModel) still writes it.
        "storeUrls",
    ]
    /// `Task` (`types/task.raml`).
    static let marathonTaskKeys: Set<String> = [
        "appId", "healthCheckResults", "checkResult", "host", "id", "ipAddresses", "ports", "servicePorts", "slaveId",
        "state", "stagedAt", "startedAt", "version", "localVolumes", "region", "zone", "role",
    ]
    /// The keys Marathon 1.10 always writes in a task (`EnrichedTaskWritesTest`).
    static let marathonTaskRequiredKeys: Set<String> = [
        "appId", "healthCheckResults", "host", "id", "ipAddresses", "ports", "servicePorts", "slaveId", "state",
        "stagedAt", "version", "localVolumes", "role",
    ]
    /// `Health` (`types/healthCheck.raml`).
    static let healthCheckResultKeys: Set<String> = [
        "alive", "consecutiveFailures", "firstSuccess", "lastFailure", "lastSuccess", "lastFailureCause", "instanceId",
    ]
    /// `DeploymentStepInfo` as `GET /v2/deployments` lists it (`DeploymentPlanConversion`).
    static let deploymentKeys: Set<String> = [
        "affectedApps", "currentActions", "currentStep", "id", "steps", "totalSteps", "version", "affectedPods",
    ]
    /// `DeploymentActionInfo`.
    static let deploymentActionKeys: Set<String> = ["action", "app", "readinessCheckResults", "pod"]
    /// `QueueApp` (`types/queue.raml`).
    static let queueItemKeys: Set<String> = [
        "count", "role", "delay", "since", "processedOffersSummary", "lastUnusedOffers", "app",
    ]
    /// `ProcessedOffersSummary`.
    static let processedOffersSummaryKeys: Set<String> = [
        "processedOffersCount", "unusedOffersCount", "lastUnusedOfferAt", "lastUsedOfferAt", "rejectSummaryLastOffers",
        "rejectSummaryLaunchAttempt",
    ]
    /// `GroupInfo` (`types/group.raml`).
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
            state.setApp(app.id, app)
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

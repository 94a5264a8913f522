import WharfModel
import WharfScheduler

/// Writes deployments as `GET /v2/deployments` lists them (`examples/deployments.json`):
/// `id`, `version`, `affectedApps`, `affectedPods` (always empty: Wharf has no pods), `steps`,
/// `currentActions` (with `readinessCheckResults`), `currentStep` (1-based, 0 before the first
/// step) and `totalSteps`.
enum DeploymentRenderer {
    /// The JSON array of the deployments of `state`, oldest first.
    static func list(_ state: ClusterState) -> [UInt8] {
        let deployments = state.deployments.values
        var w = JSONWriter(capacity: 256 + deployments.count * 400)
        w.beginArray()
        for deployment in deployments.sorted(by: { ($0.version, $0.id) < ($1.version, $1.id) }) {
            write(deployment, state: state, into: &w)
        }
        w.endArray()
        return w.bytes
    }

    /// One deployment; the readiness results of its current actions come from the instances in `state`.
    static func write(_ deployment: Deployment, state: ClusterState, into w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(deployment.id)
        w.key("version"); w.timestamp(deployment.version)
        w.key("affectedApps"); w.stringArray(deployment.affectedApps.map(\.description))
        w.key("affectedPods"); w.emptyArray()
        w.key("steps")
        writeSteps(deployment.steps, into: &w)
        w.key("currentActions")
        w.beginArray()
        for action in deployment.currentActions {
            w.beginObject()
            w.key("action"); w.string(action.action.rawValue)
            w.key("app"); w.string(action.app.description)
            w.key("readinessCheckResults")
            // Only apps with readiness checks have results: the others cost nothing here.
            let target = deployment.target[action.app]
            let withChecks = target.map { !$0.readinessChecks.isEmpty } ?? false
            writeReadiness(of: withChecks ? state.instances(of: action.app) : [], target: target, into: &w)
            w.endObject()
        }
        w.endArray()
        w.key("currentStep"); w.int(deployment.currentStep)
        w.key("totalSteps"); w.int(deployment.steps.count)
        w.endObject()
    }

    /// `[{"name","taskId","ready","lastResponse"?}]` for the target configuration's instances that
    /// are running and not yet ready (Marathon drops results once an instance is ready).
    private static func writeReadiness(of instances: [Instance], target: AppDefinition?, into w: inout JSONWriter) {
        w.beginArray()
        writeReadinessElements(of: instances, target: target, into: &w)
        w.endArray()
    }

    /// The elements of `writeReadiness`, without the brackets (AppInfo joins those of several
    /// deployments).
    static func writeReadinessElements(of instances: [Instance], target: AppDefinition?, into w: inout JSONWriter) {
        if let target {
            let version = Scheduler.configVersion(of: target)
            for instance in instances where instance.configVersion == version && instance.goal == .running {
                for result in instance.health?.readiness ?? [] where !result.ready {
                    w.beginObject()
                    w.key("name"); w.string(result.name)
                    w.key("taskId"); w.string(instance.taskId)
                    w.key("ready"); w.bool(result.ready)
                    if let response = result.lastResponse {
                        w.key("lastResponse")
                        w.beginObject()
                        w.key("status"); w.int(response.status)
                        w.key("contentType"); w.string(response.contentType)
                        w.key("body"); w.string(response.body)
                        w.endObject()
                    }
                    w.endObject()
                }
            }
        }
    }

    /// `[{"actions":[{"action":"StartApplication","app":"/x"}]}]`.
    static func writeSteps(_ steps: [DeploymentStep], into w: inout JSONWriter) {
        w.beginArray()
        for step in steps {
            w.beginObject()
            w.key("actions")
            w.beginArray()
            for action in step.actions {
                w.beginObject()
                w.key("action"); w.string(action.action.rawValue)
                w.key("app"); w.string(action.app.description)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
    }

    /// Marathon's DeploymentResult body: `{"deploymentId":"…","version":"…"}`.
    static func result(deploymentId: String, version: Timestamp) -> [UInt8] {
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        w.key("deploymentId"); w.string(deploymentId)
        w.key("version"); w.timestamp(version)
        w.endObject()
        return w.bytes
    }
}

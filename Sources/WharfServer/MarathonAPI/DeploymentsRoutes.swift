import Hummingbird
import WharfModel

/// `/v2/deployments` (`DeploymentsResource.scala`).
enum DeploymentsRoutes {
    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v2/deployments", tag: "deployments", summary: "List running deployments.",
                      responses: [(200, "[Deployment]")], handler: list),
        MarathonRoute(.delete, "/v2/deployments/{deploymentId}", tag: "deployments",
                      summary: "Revert a deployment (a new deployment restoring the previous definitions), "
                        + "or with force=true just stop it.",
                      parameters: [.init("force", .boolean, "Stop the deployment without reverting (202).")],
                      responses: [(200, "DeploymentResult of the revert"), (202, "Stopped (force=true)"),
                                  (404, "Unknown deployment")],
                      handler: cancel),
    ]

    static func list(_ call: MarathonCall) async throws -> Response {
        let state = await call.controlPlane.currentState()
        return MarathonResponse.json(DeploymentRenderer.list(state))
    }

    static func cancel(_ call: MarathonCall) async throws -> Response {
        let force = call.query.bool("force", default: false)
        guard let result = try await call.controlPlane.cancelDeployment(call.parameter("deploymentId"), force: force) else {
            return MarathonResponse.empty(202)
        }
        return MarathonResponse.deployment(result)
    }
}

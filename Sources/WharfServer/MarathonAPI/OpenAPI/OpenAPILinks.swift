/// OpenAPI `links` of `/openapi.json`'s responses: where the id of what an operation created or
/// listed goes next (the app `POST /v2/apps` created to `GET /v2/apps/{id}`, a deployment id to
/// `DELETE /v2/deployments/{deploymentId}`, ...), so that clients and stateful fuzzers can chain
/// operations on resources that exist.
enum OpenAPILinks {
    /// Operations taking an app id as `{id}`.
    static let appOperations = [
        "get_v2_apps_id", "get_v2_apps_id_tasks", "get_v2_apps_id_versions", "put_v2_apps_id", "patch_v2_apps_id",
        "post_v2_apps_id_restart", "delete_v2_apps_id_tasks", "delete_v2_queue_id_delay", "delete_v2_apps_id",
    ]
    /// Operations taking a group id as `{id}`.
    static let groupOperations = [
        "get_v2_groups_id", "get_v2_groups_id_versions", "put_v2_groups_id", "patch_v2_groups_id", "delete_v2_groups_id",
    ]

    /// `{link name: {operationId, parameters}}` for the responses that have any.
    static func links(from operationId: String, status: Int) -> OpenAPIValue? {
        var links: [(String, OpenAPIValue)] = []
        func add(_ target: String, _ parameters: OpenAPIValue) {
            links.append((target, ["operationId": .string(target), "parameters": parameters]))
        }
        let deployment: OpenAPIValue = ["deploymentId": "$response.body#/deploymentId"]
        switch (operationId, status) {
        case ("post_v2_apps", 201):
            for target in appOperations { add(target, ["id": "$response.body#/id"]) }
            add("delete_v2_deployments_deploymentId", ["deploymentId": "$response.header.Marathon-Deployment-Id"])
        case ("put_v2_apps_id", 200), ("put_v2_apps_id", 201), ("patch_v2_apps_id", 200), ("post_v2_apps_id_restart", 200),
             ("put_v2_apps", 200), ("patch_v2_apps", 200), ("put_v2_groups", 200), ("put_v2_groups_id", 200),
             ("post_v2_groups_id", 201), ("delete_v2_apps_id", 200), ("delete_v2_groups_id", 200), ("delete_v2_groups", 200):
            add("delete_v2_deployments_deploymentId", deployment)
        case ("post_v2_groups", 201):
            for target in groupOperations { add(target, ["id": "$request.body#/id"]) }
            add("delete_v2_deployments_deploymentId", deployment)
        case ("get_v2_apps_id_versions", 200):
            add("get_v2_apps_id_versions_version", ["id": "$request.path.id", "version": "$response.body#/versions/0"])
        case ("get_v2_apps_id_tasks", 200):
            add("delete_v2_apps_id_tasks_taskId", ["id": "$request.path.id", "taskId": "$response.body#/tasks/0/id"])
        default:
            return nil
        }
        return .object(links)
    }
}

import AsyncHTTPClient
import Foundation

/// A thin JSON client for one `wharf dev` API, on one HTTP client shared by all tests.
struct MarathonClient: Sendable {
    /// `http://127.0.0.1:PORT`.
    var baseURL: String

    /// Shared by every test in the process; never shut down (it lives as long as the test process).
    /// Connection failures fail at once instead of being retried, so polling stays responsive.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    func get(_ path: String) async throws -> HTTPResult {
        try await request("GET", path)
    }

    func post(_ path: String, _ body: JSON? = nil) async throws -> HTTPResult {
        try await request("POST", path, body: body?.data)
    }

    func put(_ path: String, _ body: JSON) async throws -> HTTPResult {
        try await request("PUT", path, body: body.data)
    }

    func delete(_ path: String) async throws -> HTTPResult {
        try await request("DELETE", path)
    }

    /// Sends `method path` (path may carry a query string) with an optional raw body.
    func request(
        _ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json",
        accept: String = "application/json", headers: [(String, String)] = [], timeout: Duration = .seconds(30)
    ) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Accept", value: accept)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(Array(body))
        }
        let response = try await Self.http.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        var data = Data()
        for try await chunk in response.body {
            data.append(contentsOf: chunk.readableBytesView)
        }
        return HTTPResult(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            body: data
        )
    }

    // MARK: Marathon shortcuts

    /// `/v2/apps/<id without leading slash>` + suffix.
    static func appPath(_ id: String, _ suffix: String = "") -> String {
        "/v2/apps/" + id.split(separator: "/").joined(separator: "/") + suffix
    }

    /// GET /v2/apps/{id}/tasks → `tasks` (empty when the app does not exist).
    func tasks(of appId: String) async throws -> [JSON] {
        let result = try await get(Self.appPath(appId, "/tasks"))
        return result.status == 200 ? (result.json["tasks"]?.array ?? []) : []
    }

    /// Tasks of the app in TASK_RUNNING.
    func runningTasks(of appId: String) async throws -> [JSON] {
        try await tasks(of: appId).filter { $0["state"]?.string == "TASK_RUNNING" }
    }

    /// GET /v2/apps/{id} → `app`, nil on 404.
    func app(_ appId: String) async throws -> JSON? {
        let result = try await get(Self.appPath(appId))
        return result.status == 200 ? result.json["app"] : nil
    }

    /// Ids of the deployments in GET /v2/deployments.
    func deploymentIds() async throws -> [String] {
        try await get("/v2/deployments").json.array?.compactMap { $0["id"]?.string } ?? []
    }

    /// Waits until `deploymentId` is no longer listed in /v2/deployments.
    func waitForDeployment(_ deploymentId: String, timeout: Duration = .seconds(90)) async throws {
        try await waitUntil("deployment \(deploymentId) finished", timeout: timeout) {
            try await !deploymentIds().contains(deploymentId)
        }
    }

    /// Waits until the app has exactly `count` TASK_RUNNING tasks and no deployment; returns them.
    @discardableResult
    func waitForRunning(_ appId: String, count: Int, timeout: Duration = .seconds(90)) async throws -> [JSON] {
        try await poll("\(appId) has \(count) running tasks and no deployment", timeout: timeout) {
            let running = try await runningTasks(of: appId)
            guard running.count == count,
                  try await app(appId)?["deployments"]?.array?.isEmpty ?? false
            else { return nil }
            return running
        }
    }

    /// The deployment id of a deployment-creating answer (header, else body).
    static func deploymentId(_ result: HTTPResult) -> String? {
        result.header("Marathon-Deployment-Id")
            ?? result.json["deploymentId"]?.string
            ?? result.json["deployments"]?[0]?["id"]?.string
    }
}

/// Task ids of a list of task JSON objects.
func taskIds(_ tasks: [JSON]) -> Set<String> {
    Set(tasks.compactMap { $0["id"]?.string })
}

import ArgumentParser
import Foundation

/// `wharf app scale ID N`: PUT /v2/apps/{id} `{"instances":N}`.
struct AppScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Change the number of instances of an app.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "App id.") var id: String
    /// Taken with `.allUnrecognized` so that a negative number (`-1`) reaches `validate()` instead
    /// of being read as an unknown option; `validate()` requires exactly one whole number.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Instances wanted (0 or more).", valueName: "instances"))
    var instanceWords: [String] = []
    @Flag(help: "Override deployments in progress on the app (?force=true).") var force = false
    @OptionGroup var waiting: WaitOptions

    /// The instance count; valid once `validate()` passed.
    var instances: Int { Int(instanceWords.first ?? "") ?? 0 }

    func validate() throws {
        guard let word = instanceWords.first else { throw ValidationError("Missing expected argument '<instances>'") }
        guard instanceWords.count == 1 else {
            throw ValidationError("Unexpected argument '\(instanceWords[1])': give the app id and one instance count")
        }
        guard let count = Int(word) else { throw ValidationError("instances must be a whole number, got '\(word)'") }
        guard count >= 0 else { throw ValidationError("instances must be 0 or more, got \(count)") }
    }

    func run() async throws {
        try await runReportingErrors(forceFlag: true) {
            try await APIClient.with(client) { api in
                // PUT creates missing apps; look first so a typo gives "does not exist" instead.
                _ = try await api.call("GET", APIClient.path("/v2/apps", id: id))
                let response = try await api.call(
                    "PUT", APIClient.path("/v2/apps", id: id), query: force ? [("force", "true")] : [],
                    body: Data(#"{"instances":\#(instances)}"#.utf8)
                )
                try await DeploymentReport.finish(response, api: api, client: client, waiting: waiting,
                                                  summary: "Scaling \(id) to \(instances)")
            }
        }
    }
}

/// `wharf app restart ID`: POST /v2/apps/{id}/restart.
struct AppRestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Replace all instances of an app (rolling).")

    @OptionGroup var client: ClientOptions
    @Argument(help: "App id.") var id: String
    @Flag(help: "Override deployments in progress on the app (?force=true).") var force = false
    @OptionGroup var waiting: WaitOptions

    func run() async throws {
        try await runReportingErrors(forceFlag: true) {
            try await APIClient.with(client) { api in
                let response = try await api.call(
                    "POST", APIClient.path("/v2/apps", id: id, "/restart"), query: force ? [("force", "true")] : []
                )
                try await DeploymentReport.finish(response, api: api, client: client, waiting: waiting,
                                                  summary: "Restarting \(id)")
            }
        }
    }
}

/// `wharf app destroy ID`: DELETE /v2/apps/{id}.
struct AppDestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "destroy", abstract: "Stop all instances of an app and delete it.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "App id.") var id: String
    @OptionGroup var waiting: WaitOptions

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call("DELETE", APIClient.path("/v2/apps", id: id))
                try await DeploymentReport.finish(response, api: api, client: client, waiting: waiting,
                                                  summary: "Destroying \(id)")
            }
        }
    }
}

/// Prints the outcome of a deployment-creating call and waits for it with `--wait`.
enum DeploymentReport {
    static func finish(
        _ response: APIResponse, api: APIClient, client: ClientOptions, waiting: WaitOptions, summary: String
    ) async throws {
        let deploymentId = AppDeployCommand.deploymentId(response)
        if client.json {
            print(response.bodyText, terminator: "")
        } else {
            print("\(summary): deployment \(deploymentId ?? "(none)")")
        }
        if waiting.wait, let deploymentId {
            try await DeploymentWaiter(api: api, quiet: client.json).wait(for: deploymentId, timeoutSeconds: waiting.timeout)
        }
    }
}

/// Polls `/v2/deployments` until a deployment is gone.
struct DeploymentWaiter {
    var api: APIClient
    var quiet: Bool

    func wait(for deploymentId: String, timeoutSeconds: Double) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(timeoutSeconds)
        if !quiet { printToStandardError("Waiting for deployment \(deploymentId)...") }
        while true {
            let response = try await api.call("GET", "/v2/deployments")
            let ids = response.json?.array?.compactMap { $0["id"]?.string } ?? []
            if !ids.contains(deploymentId) {
                if !quiet { print("Deployment \(deploymentId) finished.") }
                return
            }
            guard clock.now < deadline else {
                throw CLIError.timedOut(
                    "deployment \(deploymentId) still running after \(Int(timeoutSeconds)) s; see `wharf deployments`")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}

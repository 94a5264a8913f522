import ArgumentParser
import Foundation

/// `wharf deployments`: list running deployments, or cancel one.
struct DeploymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deployments",
        abstract: "List deployments in progress, or cancel one.",
        subcommands: [DeploymentsListCommand.self, DeploymentsCancelCommand.self],
        defaultSubcommand: DeploymentsListCommand.self
    )
}

/// `wharf deployments [list]`: GET /v2/deployments.
struct DeploymentsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List deployments in progress.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call("GET", "/v2/deployments")
                if client.json { return print(response.bodyText, terminator: "") }
                let deployments = response.json?.array ?? []
                guard !deployments.isEmpty else { return print("No deployments in progress.") }
                var table = TableFormatter("ID", "VERSION", "APPS", "STEP", "CURRENT ACTIONS")
                for deployment in deployments {
                    let actions = deployment["currentActions"]?.array?.map {
                        "\($0["action"]?.text ?? "?") \($0["app"]?.text ?? $0["pod"]?.text ?? "")"
                    } ?? []
                    table.append([
                        deployment["id"]?.text ?? "?",
                        deployment["version"]?.text ?? "-",
                        deployment["affectedApps"]?.array?.map(\.text).joined(separator: ",") ?? "-",
                        "\(deployment["currentStep"]?.text ?? "?")/\(deployment["totalSteps"]?.text ?? "?")",
                        actions.isEmpty ? "-" : actions.joined(separator: ", "),
                    ])
                }
                print(table.render())
            }
        }
    }
}

/// `wharf deployments cancel ID`: DELETE /v2/deployments/{id} (roll back, or with --force just stop).
struct DeploymentsCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Roll a deployment back (a new deployment restores the previous state); --force only stops it."
    )

    @OptionGroup var client: ClientOptions
    @Argument(help: "Deployment id.") var id: String
    @Flag(help: "Stop the deployment where it is, without rolling back (?force=true).") var force = false

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call(
                    "DELETE", "/v2/deployments/" + id, query: force ? [("force", "true")] : []
                )
                if client.json { return print(response.body.isEmpty ? "{}\n" : response.bodyText, terminator: "") }
                if force {
                    print("Stopped deployment \(id).")
                } else {
                    print("Rolling back deployment \(id): deployment \(AppDeployCommand.deploymentId(response) ?? "(none)")")
                }
            }
        }
    }
}

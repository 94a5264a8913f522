import ArgumentParser
import Foundation

/// `wharf app deploy -f FILE`: create or update an app (or a group, or a list of apps) from a
/// Marathon JSON definition.
struct AppDeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Create or update an app from a Marathon JSON file.",
        discussion: """
            An app definition is POSTed to /v2/apps; if the app already exists it is PUT to /v2/apps/{id}.
            A group (an object with "apps" or "groups") goes to /v2/groups the same way, and a JSON array of
            apps to PUT /v2/apps. Prints the deployment id.
            """
    )

    @OptionGroup var client: ClientOptions
    @Option(name: [.customShort("f"), .customLong("file")], help: "Marathon app or group definition (JSON); - for standard input.")
    var file: String
    @Flag(help: "Override deployments in progress on the same app (?force=true).")
    var force = false
    @OptionGroup var waiting: WaitOptions

    func run() async throws {
        try await runReportingErrors(forceFlag: true) {
            let (body, definition) = try DefinitionFile.read(file)
            try await APIClient.with(client) { api in
                let result = try await deploy(api, body: body, definition: definition)
                if client.json {
                    print(result.response.bodyText, terminator: "")
                } else {
                    print("\(result.action) \(result.id): deployment \(result.deploymentId ?? "(none)")")
                }
                if waiting.wait, let deploymentId = result.deploymentId {
                    try await DeploymentWaiter(api: api, quiet: client.json).wait(for: deploymentId, timeoutSeconds: waiting.timeout)
                }
            }
        }
    }

    private struct Outcome {
        var action: String
        var id: String
        var deploymentId: String?
        var response: APIResponse
    }

    private func deploy(_ api: APIClient, body: Data, definition: JSON) async throws -> Outcome {
        let query = force ? [("force", "true")] : []
        if definition.array != nil {
            let response = try await api.call("PUT", "/v2/apps", query: query, body: body)
            return Outcome(action: "Updated apps", id: "", deploymentId: Self.deploymentId(response), response: response)
        }
        let isGroup = definition["apps"] != nil || definition["groups"] != nil
        let collection = isGroup ? "/v2/groups" : "/v2/apps"
        let kind = isGroup ? "group" : "app"
        let id = definition["id"]?.string ?? "?"
        let created = try await api.send("POST", collection, query: query, body: body)
        if (200..<300).contains(created.status) {
            return Outcome(action: "Created \(kind)", id: created.json?["id"]?.string ?? id,
                           deploymentId: Self.deploymentId(created), response: created)
        }
        guard created.status == 409, let message = created.json?["message"]?.string,
              message.contains("already exists") || message.contains("already created"),
              definition["id"]?.string != nil
        else {
            throw APIClient.serverError(created)
        }
        let updated = try await api.call("PUT", APIClient.path(collection, id: id), query: query, body: body)
        return Outcome(action: "Updated \(kind)", id: id, deploymentId: Self.deploymentId(updated), response: updated)
    }

    /// From the `Marathon-Deployment-Id` header, or a body's `deploymentId` / `deployments[0].id`.
    static func deploymentId(_ response: APIResponse) -> String? {
        response.header("Marathon-Deployment-Id")
            ?? response.json?["deploymentId"]?.string
            ?? response.json?["deployments"]?.array?.first?["id"]?.string
    }
}

/// Reads a definition file and checks that it is JSON before anything is sent.
enum DefinitionFile {
    static func read(_ path: String) throws -> (Data, JSON) {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIError.usage("file '\(path)' does not exist")
            }
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CLIError.usage("cannot read '\(path)'")
            }
            data = contents
        }
        do {
            _ = try JSONSerialization.jsonObject(with: data)
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw CLIError.usage("'\(path)' is not valid JSON: \(reason)")
        }
        guard let json = JSON(data: data), json.object != nil || json.array != nil else {
            throw CLIError.usage("'\(path)' must hold a JSON object (an app or group) or an array of apps")
        }
        return (data, json)
    }
}

import ArgumentParser
import Foundation

/// `wharf app ...`: inspect and change apps through `/v2/apps`.
struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "List, deploy, scale, restart and destroy apps.",
        subcommands: [
            AppListCommand.self, AppShowCommand.self, AppDeployCommand.self, AppScaleCommand.self,
            AppRestartCommand.self, AppDestroyCommand.self, AppTasksCommand.self,
        ]
    )
}

/// `wharf app list`: GET /v2/apps.
struct AppListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List apps (GET /v2/apps).")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call("GET", "/v2/apps")
                if client.json { return print(response.bodyText, terminator: "") }
                let apps = response.json?["apps"]?.array ?? []
                guard !apps.isEmpty else { return print("No apps.") }
                var table = TableFormatter("ID", "RUNNING", "CPUS", "MEM", "DEPLOYMENTS", "CMD")
                for app in apps.sorted(by: { ($0["id"]?.string ?? "") < ($1["id"]?.string ?? "") }) {
                    table.append([
                        app["id"]?.text ?? "?",
                        AppText.instances(app),
                        app["cpus"]?.text ?? "-",
                        app["mem"]?.text ?? "-",
                        AppText.deployments(app),
                        AppText.command(app, limit: 50),
                    ])
                }
                print(table.render())
            }
        }
    }
}

/// `wharf app show ID`: GET /v2/apps/{id} with its tasks.
struct AppShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one app and its tasks.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "App id, e.g. /hello or /shop/web.") var id: String

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call(
                    "GET", APIClient.path("/v2/apps", id: id),
                    query: [("embed", "app.tasks"), ("embed", "app.lastTaskFailure"), ("embed", "app.deployments")]
                )
                if client.json { return print(response.bodyText, terminator: "") }
                guard let app = response.json?["app"] else {
                    throw CLIError.usage("the server's answer has no 'app' object")
                }
                var details = DetailFormatter()
                details.append("ID", app["id"]?.text)
                details.append("Version", app["version"]?.text)
                details.append("Command", AppText.command(app, limit: nil))
                details.append("Instances", AppText.instances(app) + " running"
                    + ", \(app["tasksStaged"]?.text ?? "0") staged, \(app["tasksHealthy"]?.text ?? "0") healthy")
                details.append("Resources", "cpus \(app["cpus"]?.text ?? "-"), mem \(app["mem"]?.text ?? "-") MiB, disk \(app["disk"]?.text ?? "0") MiB")
                details.append("Ports", AppText.portDefinitions(app))
                details.append("Dependencies", app["dependencies"]?.array?.map(\.text).joined(separator: ", "))
                details.append("Labels", app["labels"]?.object.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.text)" }.joined(separator: " ") })
                details.append("Deployments", AppText.deployments(app))
                let queue = try await api.call("GET", "/v2/queue").json?["queue"]?.array ?? []
                if let entry = queue.first(where: { $0["app"]?["id"]?.string == app["id"]?.string }) {
                    details.append("Waiting", QueueText.waiting(entry))
                }
                if let failure = app["lastTaskFailure"] {
                    details.append("Last failure", "\(failure["state"]?.text ?? "?") \(failure["timestamp"]?.text ?? ""): \(failure["message"]?.text ?? "")")
                }
                print(details.render())
                let tasks = app["tasks"]?.array ?? []
                if !tasks.isEmpty {
                    print("")
                    print(TaskText.table(tasks).render())
                }
            }
        }
    }
}

/// `wharf app tasks ID`: GET /v2/apps/{id}/tasks.
struct AppTasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tasks", abstract: "List an app's tasks with their host ports.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "App id.") var id: String

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let response = try await api.call("GET", APIClient.path("/v2/apps", id: id, "/tasks"))
                if client.json { return print(response.bodyText, terminator: "") }
                let tasks = response.json?["tasks"]?.array ?? []
                guard !tasks.isEmpty else { return print("No tasks.") }
                print(TaskText.table(tasks).render())
            }
        }
    }
}

/// How apps are summarised in tables.
enum AppText {
    /// `running/target`.
    static func instances(_ app: JSON) -> String {
        "\(app["tasksRunning"]?.text ?? "0")/\(app["instances"]?.text ?? "?")"
    }

    /// `cmd`, or `args` joined, or the container image; shortened to `limit` characters.
    static func command(_ app: JSON, limit: Int?) -> String {
        let text = app["cmd"]?.string
            ?? app["args"]?.array?.map(\.text).joined(separator: " ")
            ?? app["container"]?["docker"]?["image"]?.string.map { "image \($0)" }
            ?? "-"
        guard let limit, text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }

    /// Ids of running deployments, or `-`.
    static func deployments(_ app: JSON) -> String {
        let ids = app["deployments"]?.array?.compactMap { $0["id"]?.string } ?? []
        return ids.isEmpty ? "-" : ids.joined(separator: ",")
    }

    /// `name:port/protocol` per port definition.
    static func portDefinitions(_ app: JSON) -> String? {
        guard let definitions = app["portDefinitions"]?.array, !definitions.isEmpty else { return nil }
        return definitions.map { definition in
            let name = definition["name"]?.string.map { "\($0):" } ?? ""
            return "\(name)\(definition["port"]?.text ?? "0")/\(definition["protocol"]?.text ?? "tcp")"
        }.joined(separator: ", ")
    }
}

/// How tasks are summarised in tables.
enum TaskText {
    static func table(_ tasks: [JSON]) -> TableFormatter {
        var table = TableFormatter("TASK", "STATE", "HOST", "PORTS", "STARTED", "VERSION")
        for task in tasks.sorted(by: { ($0["id"]?.string ?? "") < ($1["id"]?.string ?? "") }) {
            table.append([
                task["id"]?.text ?? "?",
                task["state"]?.text ?? "?",
                task["host"]?.text ?? "-",
                task["ports"]?.array.map { $0.map(\.text).joined(separator: ",") } ?? "-",
                task["startedAt"]?.text ?? "-",
                task["version"]?.text ?? "-",
            ])
        }
        return table
    }
}

/// How a `/v2/queue` entry is summarised.
enum QueueText {
    /// `2 instances not placed: UnfulfilledConstraint on 3 agents, InsufficientCpus on 1`, or the
    /// launch delay left.
    static func waiting(_ entry: JSON) -> String {
        let count = entry["count"]?.int ?? 0
        let instances = count == 1 ? "1 instance" : "\(count) instances"
        if let delay = entry["delay"], delay["overdue"]?.bool == false {
            return "\(instances), launch delayed \(delay["timeLeftSeconds"]?.text ?? "?") s more (backoff after failures)"
        }
        let reasons = (entry["processedOffersSummary"]?["rejectSummaryLastOffers"]?.array ?? []).compactMap { reason -> String? in
            guard let declined = reason["declined"]?.int, declined > 0 else { return nil }
            return "\(reason["reason"]?.text ?? "?") on \(declined) agent\(declined == 1 ? "" : "s")"
        }
        guard !reasons.isEmpty else { return "\(instances) not placed yet" }
        return "\(instances) not placed: " + reasons.joined(separator: ", ")
    }
}

/// What an AppInfo carries besides the app definition, resolved from `embed` query values the way
/// Marathon's `InfoEmbedResolver` does.
///
/// Values are `<prefix><suffix>` with prefix `app.`, `apps.`, `group.apps.` or none, and suffix
/// `tasks` (which implies `deployments`), `counts`, `deployments`, `readiness`, `lastTaskFailure`,
/// `failures` (deprecated: tasks + lastTaskFailure + deployments) or `taskStats`. Unknown values
/// are ignored, as in Marathon.
struct AppEmbed: OptionSet, Hashable, Sendable {
    let rawValue: Int

    init(rawValue: Int) { self.rawValue = rawValue }

    /// `tasks`: the app's tasks.
    static let tasks = AppEmbed(rawValue: 1 << 0)
    /// `tasksStaged`, `tasksRunning`, `tasksHealthy`, `tasksUnhealthy`.
    static let counts = AppEmbed(rawValue: 1 << 1)
    /// `deployments: [{"id"}]`.
    static let deployments = AppEmbed(rawValue: 1 << 2)
    /// `readinessCheckResults`.
    static let readiness = AppEmbed(rawValue: 1 << 3)
    /// `lastTaskFailure` (when there is one).
    static let lastTaskFailure = AppEmbed(rawValue: 1 << 4)
    /// `tasksStats` (the embed value is `taskStats`; Marathon 1.10 writes the key as `tasksStats`).
    static let taskStats = AppEmbed(rawValue: 1 << 5)

    /// What `GET /v2/apps` always adds.
    static let listDefault: AppEmbed = [.counts, .deployments]
    /// What `GET /v2/apps/{id}` always adds (Marathon keeps these for compatibility).
    static let singleDefault: AppEmbed = [.counts, .deployments, .tasks, .lastTaskFailure]

    private static let prefixes = ["group.apps.", "apps.", "app.", ""]
    /// The suffixes `init(values:)` understands.
    static let suffixes = ["tasks", "counts", "deployments", "readiness", "lastTaskFailure", "failures", "taskStats"]

    /// Every value with one of `prefixes` that means something (for the OpenAPI document's enums).
    static func values(prefixes: [String]) -> [String] {
        prefixes.flatMap { prefix in suffixes.map { prefix + $0 } }
    }

    /// Resolves `embed` values that address apps; values for other objects (`group.groups`, ...) are ignored.
    init(values: [String]) {
        var result: AppEmbed = []
        for value in values {
            for prefix in Self.prefixes where value.hasPrefix(prefix) {
                if let embed = Self.suffix(String(value.dropFirst(prefix.count))) {
                    result.formUnion(embed)
                    break
                }
            }
        }
        self = result
    }

    private static func suffix(_ name: String) -> AppEmbed? {
        switch name {
        case "tasks": return [.tasks, .deployments]
        case "counts": return .counts
        case "deployments": return .deployments
        case "readiness": return .readiness
        case "lastTaskFailure": return .lastTaskFailure
        case "failures": return [.tasks, .lastTaskFailure, .deployments]
        case "taskStats": return .taskStats
        default: return nil
        }
    }
}

/// What a GroupInfo carries, resolved from `embed` values of `GET /v2/groups` (`group.groups`,
/// `group.apps`, `group.pods`, and `group.apps.<app embed>`). Without any group-level value Marathon
/// embeds groups, apps and pods.
struct GroupEmbed: Hashable, Sendable {
    var groups: Bool
    var apps: Bool
    var pods: Bool
    /// What each embedded app carries.
    var app: AppEmbed

    init(groups: Bool = true, apps: Bool = true, pods: Bool = true, app: AppEmbed = []) {
        self.groups = groups
        self.apps = apps
        self.pods = pods
        self.app = app
    }

    init(values: [String]) {
        let groupLevel = values.filter { ["group.groups", "group.apps", "group.pods"].contains($0) }
        if groupLevel.isEmpty {
            groups = true
            apps = true
            pods = true
        } else {
            groups = groupLevel.contains("group.groups")
            apps = groupLevel.contains("group.apps")
            pods = groupLevel.contains("group.pods")
        }
        app = AppEmbed(values: values.filter { $0.hasPrefix("group.apps.") })
    }
}

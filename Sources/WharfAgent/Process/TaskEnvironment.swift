import WharfModel

/// Builds a task's environment the way Marathon and Mesos do (`TaskBuilder`, `EnvironmentHelper`,
/// docs `task-environment-vars.md`), so that existing apps find the variables they expect.
///
/// Layers, later ones overriding earlier ones:
/// 1. a few basics inherited from the agent (`PATH`, `HOME`, `LANG`, ...),
/// 2. Marathon's task context (`MARATHON_APP_*`, `MESOS_TASK_ID`, `MESOS_SANDBOX`, labels),
/// 3. ports (`PORT0..n`, `PORT`, `PORTS`, `PORT_<declared port>`, `PORT_<NAME>`) and `HOST`,
/// 4. the app's own `env` (plain values; secret references are not resolved by this agent).
public enum TaskEnvironment {
    /// Variables taken over from the agent's own environment when set there.
    public static let inheritedNames = ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME"]

    /// `PATH` given to tasks when the agent itself has none.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Marathon's limit on a label variable: names and values at or above 512 characters (including
    /// the `MARATHON_APP_LABEL_` prefix for names) are dropped.
    public static let maxVariableLength = 512

    /// The complete environment of `launch`'s task.
    ///
    /// - Parameters:
    ///   - launch: the instance and its app definition.
    ///   - host: the agent's advertised host (`HOST`).
    ///   - sandbox: the task's sandbox directory (`MESOS_SANDBOX`).
    ///   - agentEnvironment: the agent process's environment, from which the basics are inherited.
    public static func variables(
        for launch: LaunchTask, host: String, sandbox: String, agentEnvironment: [String: String]
    ) -> [String: String] {
        var env: [String: String] = [:]
        for name in inheritedNames {
            if let value = agentEnvironment[name] { env[name] = value }
        }
        if env["PATH"] == nil { env["PATH"] = defaultPath }
        env.merge(taskContext(launch, sandbox: sandbox)) { _, new in new }
        env.merge(labels(launch.app.labels)) { _, new in new }
        env.merge(ports(app: launch.app, assigned: launch.instance.ports)) { _, new in new }
        env["HOST"] = host
        for (name, value) in launch.app.env {
            if case .value(let text) = value { env[name] = text }
        }
        return env
    }

    /// `MESOS_TASK_ID`, `MESOS_SANDBOX`, `MARATHON_APP_ID`, `MARATHON_APP_VERSION`,
    /// `MARATHON_APP_RESOURCE_*` and `MARATHON_APP_DOCKER_IMAGE`.
    static func taskContext(_ launch: LaunchTask, sandbox: String) -> [String: String] {
        let app = launch.app
        var env: [String: String] = [
            "MESOS_TASK_ID": launch.instance.taskId,
            "MESOS_SANDBOX": sandbox,
            "MARATHON_APP_ID": app.id.description,
            "MARATHON_APP_VERSION": launch.instance.appVersion.iso8601,
            "MARATHON_APP_RESOURCE_CPUS": String(app.cpus),
            "MARATHON_APP_RESOURCE_MEM": String(app.mem),
            "MARATHON_APP_RESOURCE_DISK": String(app.disk),
            "MARATHON_APP_RESOURCE_GPUS": String(app.gpus),
        ]
        if let image = app.container?.docker?.image { env["MARATHON_APP_DOCKER_IMAGE"] = image }
        return env
    }

    /// `MARATHON_APP_LABELS` (space-separated sanitised names, sorted) and one
    /// `MARATHON_APP_LABEL_<NAME>` per label that fits Marathon's length limits.
    static func labels(_ labels: [String: String]) -> [String: String] {
        let prefix = "MARATHON_APP_LABEL_"
        var env: [String: String] = [:]
        var names: [String] = []
        for (key, value) in labels
        where key.count < maxVariableLength - prefix.count && value.count < maxVariableLength {
            let name = sanitizedName(key)
            names.append(name)
            env[prefix + name] = value
        }
        env["MARATHON_APP_LABELS"] = names.sorted().joined(separator: " ")
        return env
    }

    /// Port variables for the ports assigned to the task, in `portDefinitions` order (or
    /// `container.portMappings` order when the app maps container ports).
    static func ports(app: AppDefinition, assigned: [Int]) -> [String: String] {
        guard !assigned.isEmpty else { return [:] }
        let declared: [(port: Int, name: String?)]
        if let mappings = app.container?.portMappings, !mappings.isEmpty {
            declared = mappings.map { ($0.containerPort, $0.name) }
        } else {
            declared = app.portDefinitions.map { ($0.port, $0.name) }
        }
        var env: [String: String] = [:]
        for (index, port) in assigned.enumerated() {
            env["PORT\(index)"] = String(port)
        }
        for (request, port) in zip(declared, assigned) {
            // Marathon: a fixed declared port names its variable; a dynamic one (0) uses the assigned port.
            env["PORT_\(request.port != 0 ? request.port : port)"] = String(port)
            if let name = request.name, !name.isEmpty {
                env["PORT_" + sanitizedName(name)] = String(port)
            }
        }
        env["PORT"] = String(assigned[0])
        env["PORTS"] = assigned.map(String.init).joined(separator: ",")
        return env
    }

    /// Replaces every run of characters outside `[A-Za-z0-9_]` with `_` and uppercases the result
    /// (`my-label.x` → `MY_LABEL_X`), as Marathon does for label names.
    public static func sanitizedName(_ name: String) -> String {
        var result = ""
        var inRun = false
        for scalar in name.unicodeScalars {
            let isWord = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_"
            if isWord {
                result.unicodeScalars.append(scalar)
                inRun = false
            } else if !inRun {
                result.append("_")
                inRun = true
            }
        }
        return result.uppercased()
    }
}

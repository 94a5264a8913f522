import ArgumentParser

/// How the control plane stops tasks and judges deployments: `wharf dev`'s and `wharf server`'s.
struct DeploymentOptions: ParsableArguments {
    @Option(name: .customLong("kill-grace-period"), help: ArgumentHelp("Seconds between SIGTERM and SIGKILL when an app sets no taskKillGracePeriodSeconds [WHARF_KILL_GRACE_PERIOD] (default 3).", valueName: "seconds"))
    var killGracePeriod: String?

    @Option(name: .customLong("kill-drain"), help: ArgumentHelp("Seconds between TASK_KILLING (out of routing) and SIGTERM [WHARF_KILL_DRAIN] (default 0.5).", valueName: "seconds"))
    var killDrain: String?

    @Option(name: .customLong("deployment-deadline"), help: ArgumentHelp("Seconds without progress after which a deployment fails, for apps without progressDeadlineSeconds [WHARF_DEPLOYMENT_DEADLINE] (default 600, longer for apps whose health-check or kill grace periods need it).", valueName: "seconds"))
    var deploymentDeadline: String?

    @Option(name: .customLong("deployment-max-failures"), help: ArgumentHelp("Failures of a deployment's new instances, with none becoming healthy, after which it fails [WHARF_DEPLOYMENT_MAX_FAILURES] (default 3).", valueName: "n"))
    var deploymentMaxFailures: String?

    @Option(name: .customLong("datacenter"), help: ArgumentHelp("Consul datacenter name [WHARF_DATACENTER] (default dc1).", valueName: "name"))
    var datacenter: String?

    /// The options by flag name, for `DevSettings.Source`.
    var flags: [String: String?] {
        ["kill-grace-period": killGracePeriod, "kill-drain": killDrain, "deployment-deadline": deploymentDeadline,
         "deployment-max-failures": deploymentMaxFailures, "datacenter": datacenter]
    }
}

/// What a node offers its tasks and how it runs them: `wharf dev`'s and `wharf agent`'s.
struct NodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("CPUs offered to tasks [WHARF_CPUS] (default: online cores).", valueName: "cpus"))
    var cpus: String?

    @Option(help: ArgumentHelp("Memory offered to tasks, MiB [WHARF_MEM] (default: physical memory).", valueName: "mib"))
    var mem: String?

    @Option(help: ArgumentHelp("Disk offered to tasks, MiB [WHARF_DISK] (default: free space of the data dir).", valueName: "mib"))
    var disk: String?

    @Option(name: .customLong("cpu-hard-limit"), help: ArgumentHelp("true: enforce task cpus as a hard CFS quota; false: a relative weight, as Mesos' default [WHARF_CPU_HARD_LIMIT] (default false).", valueName: "bool"))
    var cpuHardLimit: String?

    @Option(name: .customLong("docker-socket"), help: ArgumentHelp("Unix socket of the Docker Engine for container.type DOCKER apps; 'none' to run processes only [WHARF_DOCKER_SOCKET] (default /var/run/docker.sock).", valueName: "path"))
    var dockerSocket: String?

    @Option(name: .customLong("log-max-size"), help: ArgumentHelp("Size at which a task's stdout or stderr file is rotated, bytes or with a k/m/g suffix (1024-based) [WHARF_LOG_MAX_SIZE] (default 10MB).", valueName: "size"))
    var logMaxSize: String?

    @Option(name: .customLong("log-max-files"), help: ArgumentHelp("Files kept per task stream, the active one included (1-100) [WHARF_LOG_MAX_FILES] (default 5).", valueName: "n"))
    var logMaxFiles: String?

    @Option(name: .customLong("syslog"), help: ArgumentHelp("Also send every line of task output to this syslog receiver, udp://HOST:PORT or tcp://HOST:PORT (RFC 5424; octet-counted on TCP) [WHARF_SYSLOG] (default off).", valueName: "url"))
    var syslog: String?

    @Option(name: .customLong("sandbox-retention"), help: ArgumentHelp("How long an ended task's sandbox and output are kept after its last write, e.g. 30m, 24h, 7d [WHARF_SANDBOX_RETENTION] (default 24h).", valueName: "duration"))
    var sandboxRetention: String?

    @Option(name: .customLong("sandboxes-per-app"), help: ArgumentHelp("Ended tasks' sandboxes kept per app at most, newest first [WHARF_SANDBOXES_PER_APP] (default 10).", valueName: "n"))
    var sandboxesPerApp: String?

    var flags: [String: String?] {
        ["cpus": cpus, "mem": mem, "disk": disk, "cpu-hard-limit": cpuHardLimit, "docker-socket": dockerSocket,
         "log-max-size": logMaxSize, "log-max-files": logMaxFiles, "syslog": syslog,
         "sandbox-retention": sandboxRetention, "sandboxes-per-app": sandboxesPerApp]
    }
}

/// `--log-level`, for every command that runs a long-lived process.
struct LogOptions: ParsableArguments {
    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error or critical [WHARF_LOG_LEVEL] (default info).", valueName: "level"))
    var logLevel: String?

    var flags: [String: String?] { ["log-level": logLevel] }
}

extension Dictionary where Key == String, Value == String? {
    /// These flags and those of `groups` (option groups never share a flag name).
    func adding(_ groups: [String: String?]...) -> [String: String?] {
        groups.reduce(self) { all, group in all.merging(group) { own, _ in own } }
    }
}

import WharfModel

/// Turns a ``TaskSpec`` into the Engine's container configuration, the way Mesos' Docker
/// containerizer turns a Marathon app into `docker run` flags.
///
/// - `cmd` runs as `/bin/sh -c <cmd>` with `/bin/sh` as entrypoint (Mesos' `shell=true`); `args`
///   become the image's command, its entrypoint kept; neither: the image's own command.
/// - The sandbox is mounted at ``sandboxMountPoint`` (`MESOS_SANDBOX`).
/// - BRIDGE (and container) networks publish `portMappings[i].containerPort/protocol` on the
///   instance's `ports[i]` (every host address); HOST shares the host's network.
/// - `cpus` → `CpuShares` (and `NanoCpus` with a hard CPU limit), `mem` → `Memory`.
/// - `docker.parameters`: the keys of `DockerParameterKey` (checked by the model at submission);
///   any other key or an invalid value is refused here too.
enum DockerContainerConfig {
    /// Where the task's sandbox appears inside its container, as with Mesos.
    static let sandboxMountPoint = "/mnt/mesos/sandbox"

    /// Label keys every Wharf container carries.
    enum Label {
        /// `true` on every container Wharf created.
        static let managed = "io.wharf.managed"
        /// The data directory of the agent that owns the container: agents never touch containers
        /// of another agent, also when several run on one machine.
        static let agent = "io.wharf.agent"
        static let taskId = "io.wharf.task-id"
        static let instanceId = "io.wharf.instance-id"
        static let appId = "io.wharf.app-id"
    }

    /// `wharf-<taskId>`, with every character Docker does not allow in names replaced by `_`.
    static func containerName(taskId: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        return "wharf-" + String(taskId.map { allowed.contains($0) ? $0 : "_" })
    }

    /// The container configuration of `spec`. Throws ``RuntimeError/unsupported(_:)`` for a
    /// parameter it cannot apply.
    static func make(_ spec: TaskSpec, image: String, agentDataDir: String, hardCpuLimit: Bool) throws(RuntimeError)
        -> DockerAPI.ContainerCreate
    {
        var entrypoint: [String]?
        var command: [String]?
        switch spec.command {
        case .shell(let cmd):
            entrypoint = ["/bin/sh"]
            command = ["-c", cmd]
        case .exec(let args):
            command = args.isEmpty ? nil : args
        }

        var environment = spec.environment
        environment["MESOS_SANDBOX"] = sandboxMountPoint
        environment["MESOS_CONTAINER_NAME"] = containerName(taskId: spec.taskId)

        var labels = spec.labels
        var host = DockerAPI.HostConfig(
            NetworkMode: "host", Binds: ["\(spec.sandbox):\(sandboxMountPoint):rw"],
            Privileged: spec.container?.docker?.privileged ?? false,
            CpuShares: max(2, Int(spec.resources.cpus * 1024)),
            NanoCpus: hardCpuLimit && spec.resources.cpus > 0 ? Int(spec.resources.cpus * 1_000_000_000) : nil,
            Memory: spec.resources.mem > 0 ? Int(spec.resources.mem * 1_048_576) : 0)
        var config = DockerAPI.ContainerCreate(
            Image: image, Entrypoint: entrypoint, Cmd: command, Env: [], Labels: [:], Tty: spec.tty, HostConfig: host)

        for volume in spec.container?.volumes ?? [] {
            guard let hostPath = volume.hostPath, !hostPath.isEmpty else { continue }
            let source = hostPath.hasPrefix("/") ? hostPath : spec.sandbox + "/" + hostPath
            let target = volume.containerPath.hasPrefix("/")
                ? volume.containerPath : sandboxMountPoint + "/" + volume.containerPath
            host.Binds.append("\(source):\(target):\(volume.mode.uppercased() == "RO" ? "ro" : "rw")")
        }

        if !spec.networks.allSatisfy({ $0.mode == .host }) {
            let named = spec.networks.first { $0.mode == .container }?.name
            host.NetworkMode = named ?? "bridge"
            var bindings: [String: [DockerAPI.PortBinding]] = [:]
            var exposed: [String: DockerAPI.Empty] = [:]
            for (index, mapping) in (spec.container?.portMappings ?? []).enumerated() {
                guard spec.ports.indices.contains(index) else { break }
                let hostPort = spec.ports[index]
                let containerPort = mapping.containerPort != 0 ? mapping.containerPort : hostPort
                for proto in mapping.protocol.split(separator: ",") {
                    let key = "\(containerPort)/\(proto.trimmingCharacters(in: .whitespaces).lowercased())"
                    exposed[key] = DockerAPI.Empty()
                    bindings[key, default: []].append(DockerAPI.PortBinding(HostIp: "", HostPort: String(hostPort)))
                }
            }
            host.PortBindings = bindings
            config.ExposedPorts = exposed
        }

        for parameter in spec.container?.docker?.parameters ?? [] {
            try apply(parameter, to: &config, host: &host, environment: &environment, labels: &labels)
        }

        labels[Label.managed] = "true"
        labels[Label.agent] = agentDataDir
        labels[Label.taskId] = spec.taskId
        labels[Label.instanceId] = spec.instanceId
        labels[Label.appId] = spec.appId.description
        config.Labels = labels
        config.Env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        config.HostConfig = host
        return config
    }

    /// Applies one `docker.parameters` entry (`docker run --<key> <value>`).
    private static func apply(
        _ parameter: DockerSettings.Parameter, to config: inout DockerAPI.ContainerCreate,
        host: inout DockerAPI.HostConfig, environment: inout [String: String], labels: inout [String: String]
    ) throws(RuntimeError) {
        let name = parameter.key.hasPrefix("--") ? String(parameter.key.dropFirst(2)) : parameter.key
        let value = parameter.value
        guard let key = DockerParameterKey(rawValue: name) else {
            throw .unsupported(
                "docker parameter '\(parameter.key)' is not supported (supported: \(DockerParameterKey.supportedList))")
        }
        if let problem = key.problem(with: value) { throw .unsupported("docker parameter \(name): \(problem)") }
        switch key {
        case .label:
            let (label, text) = split(value)
            labels[label] = text ?? ""
        case .env:
            let (variable, text) = split(value)
            environment[variable] = text ?? ""
        case .memorySwap:
            host.MemorySwap = value == "-1" ? -1 : DockerParameterKey.bytes(value).map { Int($0) }
        case .shmSize:
            host.ShmSize = DockerParameterKey.bytes(value).map { Int($0) }
        case .ulimit:
            if let limit = DockerParameterKey.ulimit(value) {
                host.Ulimits = (host.Ulimits ?? []) + [DockerAPI.Ulimit(Name: limit.name, Soft: Int(limit.soft), Hard: Int(limit.hard))]
            }
        case .capAdd:
            host.CapAdd = (host.CapAdd ?? []) + [value]
        case .capDrop:
            host.CapDrop = (host.CapDrop ?? []) + [value]
        case .user:
            config.User = value
        case .workdir:
            config.WorkingDir = value
        case .hostname:
            config.Hostname = value
        case .addHost:
            host.ExtraHosts = (host.ExtraHosts ?? []) + [value]
        case .dns:
            host.Dns = (host.Dns ?? []) + [value]
        case .initProcess:
            host.Init = value == "true"
        case .readOnly:
            host.ReadonlyRootfs = value == "true"
        }
    }

    /// `a=b` → (`a`, `b`); `a` → (`a`, nil).
    private static func split(_ text: String) -> (String, String?) {
        guard let equals = text.firstIndex(of: "=") else { return (text, nil) }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }
}

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
/// - `docker.parameters`: every `docker run` option (``DockerRunOption``), applied in order as the
///   CLI would build its create request (see `DockerContainerConfig+Parameters.swift`).
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

    /// When to pull the image before creating the container (`pull` parameter, `forcePullImage`).
    enum PullPolicy: String, Sendable {
        case always, missing, never
    }

    /// Everything the runtime does to start the container: the create request and the steps
    /// around it that `docker run` performs on the client side.
    struct Plan: Sendable {
        var create: DockerAPI.ContainerCreate
        var pull: PullPolicy
        /// `platform` of the pull and of the create request.
        var platform: String?
        /// Networks after the first, connected between create and start.
        var extraNetworks: [(name: String, endpoint: DockerAPI.EndpointSettings?)] = []
        /// Where to write the container's id (`cidfile`), absolute.
        var containerIdFile: String?
    }

    /// `wharf-<taskId>`, with every character Docker does not allow in names replaced by `_`.
    static func containerName(taskId: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        return "wharf-" + String(taskId.map { allowed.contains($0) ? $0 : "_" })
    }

    /// The plan of `spec`. `files` holds the contents of the agent files the parameters name (see
    /// ``filesToRead(_:)``), `engineSocket` the engine's socket (for `use-api-socket`). Throws
    /// ``RuntimeError/unsupported(_:)`` for a parameter it cannot apply.
    static func make(
        _ spec: TaskSpec, image: String, agentDataDir: String, hardCpuLimit: Bool,
        files: [String: String] = [:], engineSocket: String = "/var/run/docker.sock"
    ) throws(RuntimeError) -> Plan {
        var entrypoint: [String]?
        var command: [String]?
        switch spec.command {
        case .shell(let cmd):
            entrypoint = ["/bin/sh"]
            command = ["-c", cmd]
        case .exec(let args):
            command = args.isEmpty ? nil : args
        }

        var host = DockerAPI.HostConfig(
            NetworkMode: Network.dockerMode(of: spec.networks), Binds: ["\(spec.sandbox):\(sandboxMountPoint):rw"],
            Privileged: spec.container?.docker?.privileged ?? false,
            CpuShares: max(2, Int(spec.resources.cpus * 1024)),
            NanoCpus: hardCpuLimit && spec.resources.cpus > 0 ? Int(spec.resources.cpus * 1_000_000_000) : nil,
            Memory: spec.resources.mem > 0 ? Int(spec.resources.mem * 1_048_576) : 0)
        for volume in spec.container?.volumes ?? [] {
            guard let hostPath = volume.hostPath, !hostPath.isEmpty else { continue }
            let target = volume.containerPath.hasPrefix("/")
                ? volume.containerPath : sandboxMountPoint + "/" + volume.containerPath
            host.Binds.append("\(agentPath(hostPath, sandbox: spec.sandbox)):\(target):\(volume.mode.uppercased() == "RO" ? "ro" : "rw")")
        }
        var create = DockerAPI.ContainerCreate(
            Image: image, Entrypoint: entrypoint, Cmd: command, Env: [], Labels: [:], Tty: spec.tty, HostConfig: host)
        if !spec.networks.allSatisfy({ $0.mode == .host }) {
            publishPortMappings(spec, into: &create)
        }

        var environment = spec.environment
        environment["MESOS_SANDBOX"] = sandboxMountPoint
        environment["MESOS_CONTAINER_NAME"] = containerName(taskId: spec.taskId)
        var state = ParameterState(
            create: create, taskEnvironment: environment, appLabels: spec.labels, sandbox: spec.sandbox, files: files,
            engineSocket: engineSocket, pull: spec.container?.docker?.forcePullImage == true ? .always : .missing)
        try applyParameters(spec.container?.docker?.parameters ?? [], to: &state)
        var plan = state.finish(appNetworks: spec.networks)

        plan.create.Labels[Label.managed] = "true"
        plan.create.Labels[Label.agent] = agentDataDir
        plan.create.Labels[Label.taskId] = spec.taskId
        plan.create.Labels[Label.instanceId] = spec.instanceId
        plan.create.Labels[Label.appId] = spec.appId.description
        return plan
    }

    /// Publishes `portMappings[i]` on the instance's `ports[i]`.
    private static func publishPortMappings(_ spec: TaskSpec, into create: inout DockerAPI.ContainerCreate) {
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
        create.HostConfig.PortBindings = bindings
        create.ExposedPorts = exposed
    }

    /// A path on the agent: absolute as given, relative inside the task's sandbox (as Mesos ran
    /// `docker run` in the sandbox).
    static func agentPath(_ path: String, sandbox: String) -> String {
        if path.hasPrefix("/") { return path }
        return sandbox + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    /// The agent files `spec`'s parameters name (`env-file`, `label-file`, `security-opt
    /// seccomp=<file>`), absolute: the runtime reads them before ``make(_:image:agentDataDir:hardCpuLimit:files:engineSocket:)``.
    static func filesToRead(_ spec: TaskSpec) -> [String] {
        let list = DockerParameterList(spec.container?.docker?.parameters ?? [])
        let seccomp = list.values("security-opt").compactMap { option -> String? in
            guard let parsed = try? DockerValue.securityOption(option), parsed.key == "seccomp", let value = parsed.value,
                  value != "builtin", value != "unconfined" else { return nil }
            return value
        }
        return (list.values("env-file") + list.values("label-file") + seccomp).map { agentPath($0, sandbox: spec.sandbox) }
    }
}

import WharfModel

/// Applies `docker.parameters` to the create request the way the Docker CLI builds it from
/// `docker run` flags: each accepted option's applier (``appliers``) runs in the order given, into
/// a ``ParameterState``; ``ParameterState/finish(appNetworks:)`` then settles what the CLI settles
/// after reading every flag (environment and label precedence, networks, health check, CPU limits).
extension DockerContainerConfig {
    /// Applies one option's value to the state; throws when the value cannot be used.
    typealias Applier = @Sendable (String, inout ParameterState) throws(DockerValueError) -> Void

    /// The request being built, plus what the parameters gathered for ``finish(appNetworks:)``.
    struct ParameterState {
        var create: DockerAPI.ContainerCreate
        /// The task's environment (app `env`, Marathon's and Mesos' variables).
        let taskEnvironment: [String: String]
        let appLabels: [String: String]
        let sandbox: String
        /// Contents of the agent files the parameters name, by absolute path.
        let files: [String: String]
        let engineSocket: String
        var pull: PullPolicy
        var platform: String?
        var containerIdFile: String?
        /// `env-file` variables, then `env` ones (nil value: `KEY` alone).
        var fileEnvironment: [(key: String, value: String?)] = []
        var environment: [(key: String, value: String?)] = []
        var fileLabels: [String: String] = [:]
        var labels: [String: String] = [:]
        /// What `portMappings` publish; dropped when the network cannot publish.
        var mappedPorts: [String: [DockerAPI.PortBinding]] = [:]
        var publishedPorts: [(port: String, binding: DockerAPI.PortBinding)] = []
        var exposedPorts: [String] = []
        var networks: [DockerValue.NetworkAttachment] = []
        var aliases: [String] = []
        var links: [String] = []
        var ipv4: String?
        var ipv6: String?
        var linkLocalIPs: [String] = []
        /// The `name` parameter: an alias on a user-defined network.
        var name: String?
        var health = DockerAPI.HealthConfig()
        var hasHealthSettings = false
        var noHealthcheck = false
        var nanoCpusGiven = false
        var cfsGiven = false
        var logDriver: String?
        var logOptions: [String: String] = [:]
        var cdiDevices: [String] = []
        var useAPISocket = false

        init(create: DockerAPI.ContainerCreate, taskEnvironment: [String: String], appLabels: [String: String],
             sandbox: String, files: [String: String], engineSocket: String, pull: PullPolicy) {
            self.mappedPorts = create.HostConfig.PortBindings ?? [:]
            var create = create
            create.HostConfig.PortBindings = nil
            create.ExposedPorts = nil
            self.create = create
            self.taskEnvironment = taskEnvironment
            self.appLabels = appLabels
            self.sandbox = sandbox
            self.files = files
            self.engineSocket = engineSocket
            self.pull = pull
        }

        /// `path` on the agent (relative: inside the sandbox).
        func agentPath(_ path: String) -> String { DockerContainerConfig.agentPath(path, sandbox: sandbox) }

        /// The contents of an agent file read before the plan was made.
        func file(_ path: String) throws(DockerValueError) -> String {
            let resolved = agentPath(path)
            guard let text = files[resolved] else { throw DockerValueError("cannot read \(resolved)") }
            return text
        }
    }

    /// Applies `parameters` in order. Throws ``RuntimeError/unsupported(_:)`` for a parameter that
    /// is not a usable `docker run` option (a definition stored before the model checked them).
    static func applyParameters(_ parameters: [DockerSettings.Parameter], to state: inout ParameterState) throws(RuntimeError) {
        let list = DockerParameterList(parameters)
        if let problem = list.problems.first {
            throw .unsupported("docker parameter \(problem.path): \(problem.message)")
        }
        for entry in list.entries where entry.option.handling == .applied {
            guard let applier = appliers[entry.option.name] else {
                throw .unsupported("docker parameter \(entry.option.name) cannot be applied by this agent")
            }
            do throws(DockerValueError) {
                try applier(entry.value, &state)
            } catch {
                throw .unsupported("docker parameter \(entry.option.name): \(error.message)")
            }
        }
    }
}

extension DockerContainerConfig.ParameterState {
    /// Settles the request once every parameter was applied.
    mutating func finish(appNetworks: [Network]) -> DockerContainerConfig.Plan {
        // Environment: env files, then the task's environment, then env parameters (as the CLI
        // reads files before -e flags, and Mesos passed the task's variables before the parameters).
        var environment: [String: String] = [:]
        // `KEY` alone takes the task's value of KEY, if any: the agent's own environment is never passed.
        for (key, value) in fileEnvironment {
            if let value = value ?? taskEnvironment[key] { environment[key] = value }
        }
        environment.merge(taskEnvironment) { $1 }
        for (key, value) in self.environment {
            if let value { environment[key] = value }
        }
        create.Env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        create.Labels = fileLabels.merging(appLabels) { $1 }.merging(labels) { $1 }

        finishNetworks(appNetworks: appNetworks)

        if noHealthcheck {
            create.Healthcheck = DockerAPI.HealthConfig(Test: ["NONE"])
        } else if hasHealthSettings {
            create.Healthcheck = health
        }
        // The Engine refuses Nano CPUs next to CFS settings: the user's CFS settings win over
        // Wharf's hard limit.
        if cfsGiven && !nanoCpusGiven { create.HostConfig.NanoCpus = nil }
        if logDriver != nil || !logOptions.isEmpty {
            create.HostConfig.LogConfig = DockerAPI.LogConfig(Type: logDriver ?? "", Config: logOptions)
        }
        if !cdiDevices.isEmpty {
            create.HostConfig.DeviceRequests = (create.HostConfig.DeviceRequests ?? [])
                + [DockerAPI.DeviceRequest(Driver: "cdi", Count: 0, DeviceIDs: cdiDevices)]
        }
        if useAPISocket {
            create.HostConfig.Mounts = (create.HostConfig.Mounts ?? [])
                + [DockerAPI.Mount(Type: "bind", Source: engineSocket, Target: "/var/run/docker.sock", BindOptions: .init())]
        }
        let extra = networks.dropFirst().map { network in
            (name: network.target, endpoint: Self.endpoint(network, links: []))
        }
        return DockerContainerConfig.Plan(
            create: create, pull: pull, platform: platform, extraNetworks: extra, containerIdFile: containerIdFile)
    }

    /// Network mode, the first network's endpoint settings, and published ports.
    private mutating func finishNetworks(appNetworks: [Network]) {
        let mode = networks.first?.target ?? Network.dockerMode(of: appNetworks)
        create.HostConfig.NetworkMode = mode
        let userDefined = DockerValue.NetworkAttachment.isUserDefined(mode)

        var bindings: [String: [DockerAPI.PortBinding]] = [:]
        var exposed: [String: DockerAPI.Empty] = [:]
        // portMappings publish on networks that have ports of their own; the parameters' ports go
        // to the Engine as given (it discards them on the host network).
        if mode != "host" && mode != "none" && !mode.hasPrefix("container:") {
            bindings = mappedPorts
            for key in mappedPorts.keys { exposed[key] = DockerAPI.Empty() }
        }
        for (port, binding) in publishedPorts {
            bindings[port, default: []].append(binding)
            exposed[port] = DockerAPI.Empty()
        }
        for port in exposedPorts { exposed[port] = DockerAPI.Empty() }
        create.HostConfig.PortBindings = bindings.isEmpty ? nil : bindings
        create.ExposedPorts = exposed.isEmpty ? nil : exposed

        var first = networks.first ?? DockerValue.NetworkAttachment(target: mode)
        first.aliases += aliases + (userDefined ? name.map { [$0] } ?? [] : [])
        first.ipv4 = ipv4 ?? first.ipv4
        first.ipv6 = ipv6 ?? first.ipv6
        first.linkLocalIPs += linkLocalIPs
        if create.MacAddress == nil { create.MacAddress = first.macAddress }
        first.macAddress = nil
        // A link is an endpoint setting on a user-defined network, a legacy link on the default bridge.
        if !links.isEmpty && !userDefined { create.HostConfig.Links = links }
        if let endpoint = Self.endpoint(first, links: userDefined ? links : []) {
            create.NetworkingConfig = DockerAPI.NetworkingConfig(EndpointsConfig: [mode: endpoint])
        }
    }

    /// The endpoint settings of `network`, nil when it has none (as the CLI leaves them out).
    private static func endpoint(_ network: DockerValue.NetworkAttachment, links: [String]) -> DockerAPI.EndpointSettings? {
        let hasAddress = network.ipv4 != nil || network.ipv6 != nil || !network.linkLocalIPs.isEmpty
        let endpoint = DockerAPI.EndpointSettings(
            IPAMConfig: hasAddress ? .init(IPv4Address: network.ipv4, IPv6Address: network.ipv6,
                                           LinkLocalIPs: network.linkLocalIPs.isEmpty ? nil : network.linkLocalIPs) : nil,
            Links: links.isEmpty ? nil : links, Aliases: network.aliases.isEmpty ? nil : network.aliases, MacAddress: network.macAddress,
            DriverOpts: network.driverOptions.isEmpty ? nil : network.driverOptions, GwPriority: network.gatewayPriority)
        return endpoint == DockerAPI.EndpointSettings() ? nil : endpoint
    }
}

/// `container`: how the task is packaged (Docker image or plain process with volumes).
public struct Container: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case docker = "DOCKER", mesos = "MESOS" }

    public var type: Kind
    public var docker: DockerSettings?
    public var volumes: [Volume]
    /// Port mappings for container networks (also where legacy `docker.portMappings` end up).
    public var portMappings: [PortMapping]?
    /// `linuxInfo` (seccomp, IPC): kept for MESOS containers (Marathon drops it for DOCKER ones).
    /// Stored and returned; Wharf's runtimes do not apply it.
    public var linuxInfo: LinuxInfo?

    public init(type: Kind = .docker, docker: DockerSettings? = nil, volumes: [Volume] = [], portMappings: [PortMapping]? = nil,
                linuxInfo: LinuxInfo? = nil) {
        self.type = type
        self.docker = docker
        self.volumes = volumes
        self.portMappings = portMappings
        self.linuxInfo = linuxInfo
    }
}

/// `container.docker`.
public struct DockerSettings: Hashable, Sendable {
    public var image: String
    public var privileged: Bool
    public var forcePullImage: Bool
    public var parameters: [Parameter]
    /// `pullConfig.secret`: the secret holding a Docker `config.json` (MESOS containers only).
    public var pullConfigSecret: String?

    public struct Parameter: Hashable, Sendable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(image: String, privileged: Bool = false, forcePullImage: Bool = false, parameters: [Parameter] = [],
                pullConfigSecret: String? = nil) {
        self.image = image
        self.privileged = privileged
        self.forcePullImage = forcePullImage
        self.parameters = parameters
        self.pullConfigSecret = pullConfigSecret
    }
}

/// `container.portMappings[]`: `hostPort` 0 (or absent under BRIDGE) asks for an agent port.
public struct PortMapping: Hashable, Sendable {
    public var containerPort: Int
    public var hostPort: Int?
    public var servicePort: Int
    public var `protocol`: String
    public var name: String?
    /// Never nil (Marathon writes `{}` when there are none); optional for source compatibility.
    public var labels: [String: String]?
    /// The container networks this mapping applies to; empty = all of the app's.
    public var networkNames: [String]

    public init(containerPort: Int = 0, hostPort: Int? = nil, servicePort: Int = 0, protocol: String = "tcp",
                name: String? = nil, labels: [String: String]? = nil, networkNames: [String] = []) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.servicePort = servicePort
        self.protocol = `protocol`
        self.name = name
        self.labels = labels ?? [:]
        self.networkNames = networkNames
    }
}

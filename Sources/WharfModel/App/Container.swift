/// `container`: how the task is packaged (Docker image or plain process with volumes).
public struct Container: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case docker = "DOCKER", mesos = "MESOS" }

    public var type: Kind
    public var docker: DockerSettings?
    public var volumes: [Volume]
    /// Port mappings for container networks (also where legacy `docker.portMappings` end up).
    public var portMappings: [PortMapping]?

    public init(type: Kind = .docker, docker: DockerSettings? = nil, volumes: [Volume] = [], portMappings: [PortMapping]? = nil) {
        self.type = type
        self.docker = docker
        self.volumes = volumes
        self.portMappings = portMappings
    }
}

/// `container.docker`.
public struct DockerSettings: Hashable, Sendable {
    public var image: String
    public var privileged: Bool
    public var forcePullImage: Bool
    public var parameters: [Parameter]

    public struct Parameter: Hashable, Sendable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(image: String, privileged: Bool = false, forcePullImage: Bool = false, parameters: [Parameter] = []) {
        self.image = image
        self.privileged = privileged
        self.forcePullImage = forcePullImage
        self.parameters = parameters
    }
}

/// `container.portMappings[]`: `hostPort` 0 (or absent under BRIDGE) asks for an agent port.
public struct PortMapping: Hashable, Sendable {
    public var containerPort: Int
    public var hostPort: Int?
    public var servicePort: Int
    public var `protocol`: String
    public var name: String?
    public var labels: [String: String]?

    public init(containerPort: Int = 0, hostPort: Int? = nil, servicePort: Int = 0, protocol: String = "tcp",
                name: String? = nil, labels: [String: String]? = nil) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.servicePort = servicePort
        self.protocol = `protocol`
        self.name = name
        self.labels = labels
    }
}

/// `container.volumes[]`; host-path volumes are what Wharf mounts. Persistent and external volumes
/// are accepted and kept so that definitions round-trip.
public struct Volume: Hashable, Sendable {
    public var containerPath: String
    public var hostPath: String?
    public var mode: String
    /// `persistent: {size, ...}` size in MiB, when present.
    public var persistentSize: Int?

    public init(containerPath: String, hostPath: String? = nil, mode: String = "RW", persistentSize: Int? = nil) {
        self.containerPath = containerPath
        self.hostPath = hostPath
        self.mode = mode
        self.persistentSize = persistentSize
    }
}

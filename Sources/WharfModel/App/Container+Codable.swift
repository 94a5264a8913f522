import Foundation

extension Container: Codable {
    private enum CodingKeys: String, CodingKey { case type, docker, volumes, portMappings }
    private enum LegacyDockerKeys: String, CodingKey { case portMappings }

    /// `type` defaults to `DOCKER` (Marathon's RAML default). Legacy `docker.portMappings` become
    /// `portMappings`; giving both is a conflict reported with the validation errors.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.literal(Kind.self, .type, default: .docker)
        let docker = try c.decodeIfPresent(DockerSettings.self, forKey: .docker)
        let volumes = try c.value(.volumes, default: [Volume]())
        var portMappings = try c.decodeIfPresent([PortMapping].self, forKey: .portMappings)
        if c.contains(.docker), (try? c.decodeNil(forKey: .docker)) == false {
            let legacy = try c.nestedContainer(keyedBy: LegacyDockerKeys.self, forKey: .docker)
            if let legacyMappings = try legacy.decodeIfPresent([PortMapping].self, forKey: .portMappings) {
                if portMappings != nil {
                    decoder.note("cannot specify both portMappings and docker.portMappings",
                                 at: c.codingPath + [CodingKeys.portMappings])
                } else {
                    portMappings = legacyMappings
                }
            }
        }
        self.init(type: type, docker: docker, volumes: volumes, portMappings: portMappings)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type.rawValue, forKey: .type)
        try c.encodeIfPresent(docker, forKey: .docker)
        try c.encode(volumes, forKey: .volumes)
        try c.encodeIfPresent(portMappings, forKey: .portMappings)
    }
}

extension DockerSettings: Codable {
    private enum CodingKeys: String, CodingKey { case image, privileged, forcePullImage, parameters }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(image: try c.decode(String.self, forKey: .image),
                  privileged: try c.value(.privileged, default: false),
                  forcePullImage: try c.value(.forcePullImage, default: false),
                  parameters: try c.value(.parameters, default: [Parameter]()))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(image, forKey: .image)
        try c.encode(privileged, forKey: .privileged)
        try c.encode(forcePullImage, forKey: .forcePullImage)
        try c.encode(parameters, forKey: .parameters)
    }
}

extension DockerSettings.Parameter: Codable {
    private enum CodingKeys: String, CodingKey { case key, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(key: try c.decode(String.self, forKey: .key), value: try c.decode(String.self, forKey: .value))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(value, forKey: .value)
    }
}

extension PortMapping: Codable {
    private enum CodingKeys: String, CodingKey { case containerPort, hostPort, servicePort, `protocol`, name, labels }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(containerPort: try c.value(.containerPort, default: 0),
                  hostPort: try c.decodeIfPresent(Int.self, forKey: .hostPort),
                  servicePort: try c.value(.servicePort, default: 0),
                  protocol: try c.value(.protocol, default: "tcp"),
                  name: try c.decodeIfPresent(String.self, forKey: .name),
                  labels: try c.decodeIfPresent([String: String].self, forKey: .labels))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(containerPort, forKey: .containerPort)
        try c.encodeIfPresent(hostPort, forKey: .hostPort)
        try c.encode(servicePort, forKey: .servicePort)
        try c.encode(`protocol`, forKey: .protocol)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(labels, forKey: .labels)
    }
}

extension Volume: Codable {
    private enum CodingKeys: String, CodingKey { case containerPath, hostPath, mode, persistent }
    private enum PersistentKeys: String, CodingKey { case size }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var size: Int?
        if c.contains(.persistent), (try? c.decodeNil(forKey: .persistent)) == false {
            size = try c.nestedContainer(keyedBy: PersistentKeys.self, forKey: .persistent).decodeIfPresent(Int.self, forKey: .size)
        }
        self.init(containerPath: try c.decode(String.self, forKey: .containerPath),
                  hostPath: try c.decodeIfPresent(String.self, forKey: .hostPath),
                  mode: try c.value(.mode, default: "RW"),
                  persistentSize: size)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(containerPath, forKey: .containerPath)
        try c.encodeIfPresent(hostPath, forKey: .hostPath)
        try c.encode(mode, forKey: .mode)
        if let persistentSize {
            var p = c.nestedContainer(keyedBy: PersistentKeys.self, forKey: .persistent)
            try p.encode(persistentSize, forKey: .size)
        }
    }
}

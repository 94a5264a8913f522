import Foundation

extension Container: Codable {
    private enum CodingKeys: String, CodingKey { case type, docker, volumes, portMappings, linuxInfo }
    private enum LegacyDockerKeys: String, CodingKey { case portMappings, credential, network }

    /// `type` defaults to `DOCKER` (Marathon's RAML default). Legacy `docker.portMappings` become
    /// `portMappings`; giving both is a conflict reported with the validation errors, as are the
    /// docker settings Marathon's old-API validation refuses (`credential`; `network` and
    /// `portMappings` of a MESOS container). What Marathon's conversion drops is dropped by
    /// `normalizedAsMarathon`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.literal(Kind.self, .type, default: .docker)
        let docker = try c.decodeIfPresent(DockerSettings.self, forKey: .docker)
        let volumes = try c.value(.volumes, default: [Volume]())
        var portMappings = try c.decodeIfPresent([PortMapping].self, forKey: .portMappings)
        if c.contains(.docker), (try? c.decodeNil(forKey: .docker)) == false {
            let legacy = try c.nestedContainer(keyedBy: LegacyDockerKeys.self, forKey: .docker)
            let dockerPath = c.codingPath + [CodingKeys.docker]
            if legacy.contains(.credential), (try? legacy.decodeNil(forKey: .credential)) == false {
                decoder.note("must be empty", at: dockerPath + [LegacyDockerKeys.credential])
            }
            if type == .mesos, legacy.contains(.network), (try? legacy.decodeNil(forKey: .network)) == false {
                decoder.note("must be empty", at: dockerPath + [LegacyDockerKeys.network])
            }
            if let legacyMappings = try legacy.decodeIfPresent([PortMapping].self, forKey: .portMappings) {
                if type == .mesos { decoder.note("must be empty", at: dockerPath + [LegacyDockerKeys.portMappings]) }
                if let canonical = portMappings, !canonical.isEmpty, !legacyMappings.isEmpty {
                    decoder.note("cannot specify both portMappings and docker.portMappings",
                                 at: c.codingPath + [CodingKeys.portMappings])
                } else if portMappings?.isEmpty ?? true {
                    portMappings = legacyMappings
                }
            }
        }
        self.init(type: type, docker: docker, volumes: volumes, portMappings: portMappings,
                  linuxInfo: try c.decodeIfPresent(LinuxInfo.self, forKey: .linuxInfo))
    }

    /// The container as Marathon's conversion (`ContainerConversion.scala`) keeps it: no `linuxInfo`
    /// for DOCKER containers, no `privileged` for MESOS ones.
    var normalizedAsMarathon: Container {
        var container = self
        if type == .docker { container.linuxInfo = nil }
        if type == .mesos { container.docker?.privileged = false }
        return container
    }

    /// Marathon's GET shape; byte-identical (with sorted keys) to `write(to:)`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type.rawValue, forKey: .type)
        try c.encodeIfPresent(docker, forKey: .docker)
        try c.encode(volumes, forKey: .volumes)
        try c.encodeIfPresent(portMappings, forKey: .portMappings)
        try c.encodeIfPresent(linuxInfo, forKey: .linuxInfo)
    }
}

extension DockerSettings: Codable {
    private enum CodingKeys: String, CodingKey { case image, privileged, forcePullImage, parameters, pullConfig }
    private enum PullConfigKeys: String, CodingKey { case secret }

    /// `parameters` keep their order.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var pullConfigSecret: String?
        if c.contains(.pullConfig), (try? c.decodeNil(forKey: .pullConfig)) == false {
            pullConfigSecret = try c.nestedContainer(keyedBy: PullConfigKeys.self, forKey: .pullConfig).decode(String.self, forKey: .secret)
        }
        self.init(image: try c.decode(String.self, forKey: .image),
                  privileged: try c.value(.privileged, default: false),
                  forcePullImage: try c.value(.forcePullImage, default: false),
                  parameters: try c.value(.parameters, default: [Parameter]()),
                  pullConfigSecret: pullConfigSecret)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(image, forKey: .image)
        try c.encode(privileged, forKey: .privileged)
        try c.encode(forcePullImage, forKey: .forcePullImage)
        try c.encode(parameters, forKey: .parameters)
        if let pullConfigSecret {
            var p = c.nestedContainer(keyedBy: PullConfigKeys.self, forKey: .pullConfig)
            try p.encode(pullConfigSecret, forKey: .secret)
        }
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
    private enum CodingKeys: String, CodingKey { case containerPort, hostPort, servicePort, `protocol`, name, labels, networkNames }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(containerPort: try c.value(.containerPort, default: 0),
                  hostPort: try c.decodeIfPresent(Int.self, forKey: .hostPort),
                  servicePort: try c.value(.servicePort, default: 0),
                  protocol: try c.value(.protocol, default: "tcp"),
                  name: try c.decodeIfPresent(String.self, forKey: .name),
                  labels: try c.decodeIfPresent([String: String].self, forKey: .labels),
                  networkNames: try c.value(.networkNames, default: []))
    }

    /// `labels` always (`{}` when none, as Marathon), `networkNames` when not empty.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(containerPort, forKey: .containerPort)
        try c.encodeIfPresent(hostPort, forKey: .hostPort)
        try c.encode(servicePort, forKey: .servicePort)
        try c.encode(`protocol`, forKey: .protocol)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encode(labels ?? [:], forKey: .labels)
        if !networkNames.isEmpty { try c.encode(networkNames, forKey: .networkNames) }
    }
}

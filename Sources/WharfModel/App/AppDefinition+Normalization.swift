import Foundation

/// Deprecated fields of Marathon's app JSON, read only to be converted (`AppNormalization.scala`).
struct LegacyFields {
    enum DockerNetwork: String { case bridge = "BRIDGE", host = "HOST", user = "USER", none = "NONE" }

    var ports: [Int]?
    var uris: [String]?
    var ipAddress: IpAddress?
    var dockerNetwork: DockerNetwork?

    /// `ipAddress`: the IP-per-task API of Marathon 1.1–1.4.
    struct IpAddress: Decodable {
        var networkName: String?
        var labels: [String: String]?
        var discoveryPorts: [PortMapping]
        /// Whether `discovery` was given (even without ports).
        var hasDiscovery = false

        private enum CodingKeys: String, CodingKey { case networkName, labels, discovery }
        private enum DiscoveryKeys: String, CodingKey { case ports }
        private struct DiscoveryPort: Decodable {
            var number: Int
            var name: String
            var `protocol`: String?
            var labels: [String: String]?
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            networkName = try c.decodeIfPresent(String.self, forKey: .networkName)
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
            discoveryPorts = []
            if c.contains(.discovery), (try? c.decodeNil(forKey: .discovery)) == false {
                hasDiscovery = true
                let d = try c.nestedContainer(keyedBy: DiscoveryKeys.self, forKey: .discovery)
                discoveryPorts = try d.value(.ports, default: [DiscoveryPort]()).map {
                    PortMapping(containerPort: $0.number, protocol: $0.protocol ?? "tcp", name: $0.name, labels: $0.labels)
                }
            }
        }
    }

    private enum ContainerKeys: String, CodingKey { case docker }
    private enum DockerKeys: String, CodingKey { case network }

    init(from c: KeyedDecodingContainer<AppDefinition.CodingKeys>, decoder: any Decoder) throws {
        ports = try c.decodeIfPresent([Int].self, forKey: .ports)
        uris = try c.decodeIfPresent([String].self, forKey: .uris)
        ipAddress = try c.decodeIfPresent(IpAddress.self, forKey: .ipAddress)
        if c.contains(.container), (try? c.decodeNil(forKey: .container)) == false {
            let container = try c.nestedContainer(keyedBy: ContainerKeys.self, forKey: .container)
            if container.contains(.docker), (try? container.decodeNil(forKey: .docker)) == false {
                let docker = try container.nestedContainer(keyedBy: DockerKeys.self, forKey: .docker)
                dockerNetwork = try docker.literal(DockerNetwork.self, .network, default: .host)
                if !docker.contains(.network) || (try? docker.decodeNil(forKey: .network)) == true { dockerNetwork = nil }
            }
        }
    }

    /// Mesos fetcher's extractable extensions (`state/FetchUri.scala`).
    static let extractableSuffixes = [".tar", ".tar.gz", ".tar.bz2", ".tar.xz", ".gz", ".tgz", ".tbz2", ".txz", ".zip"]

    /// `fetch`, or `uris` converted (extract guessed from the file extension).
    func fetch(canonical: [FetchUri]?) -> [FetchUri] {
        if let uris, !uris.isEmpty, canonical?.isEmpty ?? true {
            return uris.map { uri in
                FetchUri(uri: uri, extract: Self.extractableSuffixes.contains { uri.hasSuffix($0) })
            }
        }
        return canonical ?? []
    }
}

extension AppDefinition {
    /// The default port mapping of an app on a container network that names none.
    static let defaultPortMappings = [PortMapping(name: "default")]

    /// Resolves `networks`, `portDefinitions` and `container.portMappings` from canonical and
    /// deprecated inputs, the way Marathon's `AppNormalization.forDeprecated` + `forPostValidation` do:
    /// port definitions next to container networks and port mappings next to host networking are
    /// dropped, as Marathon drops them before validating.
    mutating func normalizeNetworking(_ c: KeyedDecodingContainer<CodingKeys>, legacy: LegacyFields, decoder: any Decoder) throws {
        let root = c.codingPath
        func note(_ message: String, _ key: CodingKeys? = nil) {
            decoder.note(message, at: root + (key.map { [$0] } ?? []))
        }
        let canonicalNetworks = try c.decodeIfPresent([Network].self, forKey: .networks)
        let canonicalPortDefinitions = try c.decodeIfPresent([PortDefinition].self, forKey: .portDefinitions)
        container = try c.decodeIfPresent(Container.self, forKey: .container)

        // Conflicts between deprecated and canonical fields (`AppValidation.validateOldAppAPI`).
        if let uris = legacy.uris, !uris.isEmpty, !(try c.decodeIfPresent([FetchUri].self, forKey: .fetch) ?? []).isEmpty {
            note("may not be set in conjunction with fetch", .uris)
        }
        if legacy.dockerNetwork != nil, !(canonicalNetworks ?? []).isEmpty {
            note("must not specify both container.docker.network and networks")
        }
        if legacy.ipAddress != nil, !(canonicalNetworks ?? []).isEmpty {
            note("must not specify both networks and ipAddress")
        }
        if legacy.ipAddress?.hasDiscovery == true, container?.type == .docker {
            note("ipAddress/discovery is not allowed for Docker containers", .ipAddress)
        }
        if let ports = legacy.ports {
            let fixed = ports.filter { $0 != 0 }
            if Set(fixed).count != fixed.count { note("ports must be unique") }
        }
        if legacy.ipAddress != nil, !(legacy.ports ?? []).isEmpty || !(canonicalPortDefinitions ?? []).isEmpty {
            note("cannot specify both an IP address and port")
        }
        if let ports = legacy.ports, let definitions = canonicalPortDefinitions, definitions.map(\.port) != ports {
            note("cannot specify both ports and port definitions")
        }

        // Networks: canonical, or translated from ipAddress / docker.network.
        var resolved: [Network] = canonicalNetworks ?? []
        if resolved.isEmpty {
            switch (legacy.ipAddress, legacy.dockerNetwork) {
            case (let ip?, let mode?):
                switch mode {
                case .host: resolved = [Network(mode: .host)]
                case .user: resolved = [Network(mode: .container, name: ip.networkName, labels: ip.labels)]
                case .bridge: resolved = [Network(mode: .containerBridge, labels: ip.labels)]
                case .none: note("unsupported docker network type NONE")
                }
            case (let ip?, nil):
                resolved = [Network(mode: .container, name: ip.networkName, labels: ip.labels)]
            case (nil, let mode?):
                switch mode {
                case .host: resolved = [Network(mode: .host)]
                case .user: resolved = [Network(mode: .container)]
                case .bridge: resolved = [Network(mode: .containerBridge)]
                case .none: note("unsupported docker network type NONE")
                }
            case (nil, nil):
                break
            }
        }
        if resolved.isEmpty { resolved = [Network(mode: .host)] }
        networks = resolved
        let hostNetworking = resolved.contains { $0.mode == .host }

        // No container but ipAddress or a container network: an empty Mesos container.
        if container == nil, legacy.ipAddress != nil || !hostNetworking {
            container = Container(type: .mesos)
        }
        if var ct = container {
            if let ip = legacy.ipAddress, !ip.discoveryPorts.isEmpty, ct.type == .mesos {
                if ct.portMappings != nil {
                    note("container.portMappings and ipAddress.discovery.ports must not both be set", .ipAddress)
                } else {
                    ct.portMappings = ip.discoveryPorts
                }
            }
            if hostNetworking {
                ct.portMappings = nil
            } else {
                if ct.portMappings == nil { ct.portMappings = Self.defaultPortMappings }
                let wanted = (canonicalPortDefinitions ?? legacy.ports.map { $0.map { PortDefinition(port: $0) } } ?? []).count
                let missing = wanted - (ct.portMappings?.count ?? 0)
                if missing > 0 { ct.portMappings! += Array(repeating: PortMapping(), count: missing) }
                if resolved.contains(where: { $0.mode == .containerBridge }) {
                    ct.portMappings = ct.portMappings?.map { mapping in
                        var m = mapping
                        if m.hostPort == nil { m.hostPort = 0 }
                        return m
                    }
                }
            }
            container = ct
        }

        // Port definitions: only with host networking; default one dynamic port.
        if hostNetworking {
            let migrated = canonicalPortDefinitions ?? legacy.ports.map { $0.map { PortDefinition(port: $0) } }
            portDefinitions = migrated ?? [PortDefinition(port: 0, protocol: "tcp", name: "default")]
        } else {
            portDefinitions = []
            requirePorts = false
        }
    }

    /// Defaults that depend on other fields (`AppNormalization.forDeprecated`, `AppConversion`):
    /// health checks and the container as Marathon's conversion keeps them, health-check
    /// `portIndex` 0 when the app has ports; for apps with persistent volumes
    /// `unreachableStrategy: disabled`, and `upgradeStrategy {0.5, 0}` when none is given (also with
    /// external volumes).
    ///
    /// Marathon adds the `portIndex` only when `portDefinitions` were given explicitly, so that its
    /// GET output, sent back unchanged, changes the check and restarts the app; Wharf adds it
    /// whenever the app has ports, so that GET → PUT is a no-op.
    mutating func applyDerivedDefaults(explicitUnreachable: UnreachableStrategy?, explicitUpgrade: UpgradeStrategy?) {
        healthChecks = healthChecks.map(\.normalizedAsMarathon)
        container = container?.normalizedAsMarathon
        if !portDefinitions.isEmpty || !(container?.portMappings ?? []).isEmpty {
            healthChecks = healthChecks.map { check in
                var c = check
                if c.protocol != .command, c.port == nil, c.portIndex == nil { c.portIndex = 0 }
                return c
            }
        }
        unreachableStrategy = explicitUnreachable ?? (isResident ? .disabled : unreachableStrategy)
        let hasVolumesToKeep = container?.volumes.contains { $0.persistent != nil || $0.external != nil } ?? false
        upgradeStrategy = explicitUpgrade ?? (hasVolumesToKeep ? Self.residentUpgradeStrategy : UpgradeStrategy())
    }

    /// Marathon's `UpgradeStrategy.forResidentTasks`: never more instances than asked for, since each
    /// holds its volume.
    public static let residentUpgradeStrategy = UpgradeStrategy(minimumHealthCapacity: 0.5, maximumOverCapacity: 0)

    /// The deprecated `residency` marks an app resident for two of Marathon's rules even without
    /// persistent volumes (`AppValidation.requireUnreachableDisabledForResidentTasks`,
    /// `validAcceptedResourceRoles`); apps with persistent volumes are checked by `validate()`.
    mutating func checkResidency(_ c: KeyedDecodingContainer<CodingKeys>, explicitUnreachable: UnreachableStrategy?, decoder: any Decoder) throws {
        guard !isResident, c.contains(.residency), (try? c.decodeNil(forKey: .residency)) == false else { return }
        if let explicitUnreachable, explicitUnreachable != .disabled {
            decoder.note("unreachableStrategy must be disabled for resident tasks", at: c.codingPath)
        }
        if let roles = acceptedResourceRoles, !roles.isEmpty, roles != [ResourceRoles.unreserved] {
            decoder.note(ResourceRoles.residentMessage, at: c.codingPath + [CodingKeys.acceptedResourceRoles])
        }
    }

    /// Whether the app has persistent volumes (Marathon's "resident" apps).
    public var isResident: Bool { container?.volumes.contains { $0.persistent != nil } ?? false }
}

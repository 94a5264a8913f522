import Foundation

extension AppDefinition: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, cmd, args, user, env, instances, cpus, mem, disk, gpus, executor, constraints, fetch,
             portDefinitions, requirePorts, backoffSeconds, backoffFactor, maxLaunchDelaySeconds, container,
             healthChecks, readinessChecks, dependencies, upgradeStrategy, labels, acceptedResourceRoles,
             killSelection, unreachableStrategy, taskKillGracePeriodSeconds, networks, role, secrets, tty,
             check, resourceLimits, executorResources, residency,
             progressDeadlineSeconds, autoRollback, version, versionInfo
        // Deprecated inputs, converted on decoding and never written.
        case ports, uris, ipAddress
    }

    /// Decodes Marathon JSON: absent fields get Marathon's defaults, unknown fields are ignored,
    /// deprecated fields (`ports`, `uris`, `ipAddress`, `container.docker.network`,
    /// `container.docker.portMappings`) are converted to their canonical replacements, and relative
    /// ids are resolved against the base group in `userInfo` (root by default).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let base = decoder.baseGroup
        let id = PathId(try c.decode(String.self, forKey: .id), relativeTo: base)
        self.init(id: id)
        cmd = try c.decodeIfPresent(String.self, forKey: .cmd)
        args = try c.decodeIfPresent([String].self, forKey: .args).flatMap { $0.isEmpty ? nil : $0 }
        user = try c.decodeIfPresent(String.self, forKey: .user)
        env = try c.value(.env, default: [:])
        instances = try c.value(.instances, default: instances)
        cpus = try c.value(.cpus, default: cpus)
        mem = try c.value(.mem, default: mem)
        disk = try c.value(.disk, default: disk)
        gpus = try c.value(.gpus, default: gpus)
        executor = try c.value(.executor, default: executor)
        constraints = try Self.decodeConstraints(c, decoder: decoder)
        requirePorts = try c.value(.requirePorts, default: requirePorts)
        backoffSeconds = try c.value(.backoffSeconds, default: backoffSeconds)
        backoffFactor = try c.value(.backoffFactor, default: backoffFactor)
        maxLaunchDelaySeconds = try c.value(.maxLaunchDelaySeconds, default: maxLaunchDelaySeconds)
        healthChecks = try c.value(.healthChecks, default: [])
        readinessChecks = try c.value(.readinessChecks, default: [])
        let appParent = id.parent
        dependencies = try c.value(.dependencies, default: [String]()).map { PathId($0, relativeTo: appParent) }
        labels = try c.value(.labels, default: [:])
        acceptedResourceRoles = try c.decodeIfPresent([String].self, forKey: .acceptedResourceRoles)
        killSelection = try c.value(.killSelection, default: killSelection)
        taskKillGracePeriodSeconds = try c.decodeIfPresent(Int.self, forKey: .taskKillGracePeriodSeconds)
        role = try c.value(.role, default: role)
        secrets = try c.value(.secrets, default: [:])
        tty = try c.decodeIfPresent(Bool.self, forKey: .tty)
        check = try c.decodeIfPresent(AppCheck.self, forKey: .check)
        resourceLimits = try c.decodeIfPresent(ResourceLimits.self, forKey: .resourceLimits)
        executorResources = try c.decodeIfPresent(ExecutorResources.self, forKey: .executorResources)
        progressDeadlineSeconds = try c.decodeIfPresent(Int.self, forKey: .progressDeadlineSeconds)
        autoRollback = try c.decodeIfPresent(Bool.self, forKey: .autoRollback)
        version = try c.decodeIfPresent(Timestamp.self, forKey: .version)
        versionInfo = try c.decodeIfPresent(VersionInfo.self, forKey: .versionInfo)

        let legacy = try LegacyFields(from: c, decoder: decoder)
        let explicitUnreachable = try c.decodeIfPresent(UnreachableStrategy.self, forKey: .unreachableStrategy)
        fetch = legacy.fetch(canonical: try c.decodeIfPresent([FetchUri].self, forKey: .fetch))
        try normalizeNetworking(c, legacy: legacy, decoder: decoder)
        applyDerivedDefaults(explicitUnreachable: explicitUnreachable,
                             explicitUpgrade: try c.decodeIfPresent(UpgradeStrategy.self, forKey: .upgradeStrategy))
        try checkResidency(c, explicitUnreachable: explicitUnreachable, decoder: decoder)
    }

    private static func decodeConstraints(_ c: KeyedDecodingContainer<CodingKeys>, decoder: any Decoder) throws -> [Constraint] {
        guard let raw = try c.decodeIfPresent([[String]].self, forKey: .constraints) else { return [] }
        var result: [Constraint] = []
        for (index, parts) in raw.enumerated() {
            let path = c.codingPath + [CodingKeys.constraints, AnyKey(index: index)]
            guard parts.count == 2 || parts.count == 3 else {
                decoder.note("Each constraint must have either 2 or 3 fields", at: path)
                continue
            }
            guard let op = Constraint.Operator(caseInsensitive: parts[1]) else {
                decoder.note(Constraint.invalidOperatorMessage, at: path)
                continue
            }
            result.append(Constraint(field: parts[0], op: op, value: parts.count == 3 ? parts[2] : nil))
        }
        return result
    }
}

extension AppDefinition {
    /// Writes Marathon's normalised GET shape (`raml/AppConversion.scala#appWriter` through the
    /// generated serializer): canonical fields only, no nulls, empty `args`, `constraints`,
    /// `dependencies`, `env`, `fetch`, `healthChecks`, `readinessChecks` and `secrets` left out,
    /// `portDefinitions` for host networking and `container.portMappings` otherwise, `residency`
    /// for resident apps. `JSONEncoder` with `.sortedKeys` gives the same bytes as `marathonJSON()`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(cmd, forKey: .cmd)
        if let args, !args.isEmpty { try c.encode(args, forKey: .args) }
        try c.encodeIfPresent(user, forKey: .user)
        if !env.isEmpty { try c.encode(env, forKey: .env) }
        try c.encode(instances, forKey: .instances)
        try c.encode(cpus, forKey: .cpus)
        try c.encode(mem, forKey: .mem)
        try c.encode(disk, forKey: .disk)
        try c.encode(gpus, forKey: .gpus)
        try c.encode(executor, forKey: .executor)
        if !constraints.isEmpty { try c.encode(constraints, forKey: .constraints) }
        if !fetch.isEmpty { try c.encode(fetch, forKey: .fetch) }
        if usesHostNetwork { try c.encode(portDefinitions, forKey: .portDefinitions) }
        try c.encode(requirePorts, forKey: .requirePorts)
        try c.encode(backoffSeconds, forKey: .backoffSeconds)
        try c.encode(backoffFactor, forKey: .backoffFactor)
        try c.encode(maxLaunchDelaySeconds, forKey: .maxLaunchDelaySeconds)
        try c.encodeIfPresent(outputContainer, forKey: .container)
        if !healthChecks.isEmpty { try c.encode(healthChecks, forKey: .healthChecks) }
        try c.encodeIfPresent(check, forKey: .check)
        if !readinessChecks.isEmpty { try c.encode(readinessChecks, forKey: .readinessChecks) }
        if !dependencies.isEmpty { try c.encode(dependencies, forKey: .dependencies) }
        try c.encode(upgradeStrategy, forKey: .upgradeStrategy)
        try c.encode(labels, forKey: .labels)
        if let roles = acceptedResourceRoles, !roles.isEmpty { try c.encode(roles, forKey: .acceptedResourceRoles) }
        try c.encode(killSelection, forKey: .killSelection)
        try c.encode(unreachableStrategy, forKey: .unreachableStrategy)
        try c.encodeIfPresent(taskKillGracePeriodSeconds, forKey: .taskKillGracePeriodSeconds)
        try c.encodeIfPresent(progressDeadlineSeconds, forKey: .progressDeadlineSeconds)
        try c.encodeIfPresent(autoRollback, forKey: .autoRollback)
        try c.encode(networks, forKey: .networks)
        try c.encode(role, forKey: .role)
        if !secrets.isEmpty { try c.encode(secrets, forKey: .secrets) }
        try c.encodeIfPresent(tty, forKey: .tty)
        try c.encodeIfPresent(resourceLimits, forKey: .resourceLimits)
        try c.encodeIfPresent(executorResources, forKey: .executorResources)
        if isResident { try c.encode(Residency(), forKey: .residency) }
        try c.encodeIfPresent(version, forKey: .version)
        try c.encodeIfPresent(versionInfo, forKey: .versionInfo)
    }

    /// The container as GET shows it: port mappings only for container networks (an app built in
    /// code may carry both).
    var outputContainer: Container? {
        guard var ct = container else { return nil }
        if usesHostNetwork { ct.portMappings = nil }
        return ct
    }
}

/// `residency` as Marathon 1.10 writes it for every resident app (the field is deprecated and has
/// no effect; resident apps have `unreachableStrategy: disabled`).
struct Residency: Codable, Equatable {
    var relaunchEscalationTimeoutSeconds = 3600
    var taskLostBehavior = "WAIT_FOREVER"
}

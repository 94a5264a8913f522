import Foundation

extension AppDefinition {
    /// Names of the app's ports: mapping names on container networks, definition names otherwise.
    public var portNames: [String] {
        if let mappings = container?.portMappings, !mappings.isEmpty, !usesHostNetwork { return mappings.compactMap(\.name) }
        return portDefinitions.compactMap(\.name)
    }

    /// How many ports the app's tasks get (what health-check `portIndex` can address).
    public var portCount: Int {
        if !usesHostNetwork, let mappings = container?.portMappings, !mappings.isEmpty { return mappings.count }
        return portDefinitions.count
    }

    /// Uniqueness of port names and fixed ports, and which container networks port mappings name
    /// (`AppValidation.portDefinitionsValidator`, `portMappingsValidator`). Ranges, name patterns and
    /// protocols are RAML bounds, checked while decoding.
    func validatePorts(_ f: inout FailureCollector) {
        let names = portDefinitions.compactMap(\.name)
        if Set(names).count != names.count { f.add("/portDefinitions", "Port names must be unique.") }
        let fixed = portDefinitions.map(\.port).filter { $0 != 0 }
        if Set(fixed).count != fixed.count { f.add("/portDefinitions", "Ports must be unique.") }
        guard let mappings = container?.portMappings else { return }
        let mappingNames = mappings.compactMap(\.name)
        if Set(mappingNames).count != mappingNames.count { f.add("/container/portMappings", "Port names must be unique.") }
        let networkNames = networks.compactMap(\.name)
        let containerNetworks = networks.filter { $0.mode == .container }.count
        for (index, mapping) in mappings.enumerated() {
            let path = "/container/portMappings(\(index))"
            if containerNetworks > 1, mapping.hostPort != nil, mapping.networkNames.count != 1 {
                f.add(path, "networkNames must be a single item list when hostPort is specified and more than 1 container network is defined")
            }
            for (i, name) in mapping.networkNames.enumerated() where !networkNames.contains(name) {
                f.add("\(path)/networkNames(\(i))", "is not one of (\(networkNames.joined(separator: ",")))")
            }
        }
    }

    /// Health checks address a port of the app, at most one Mesos check, IPv6 only where Mesos can
    /// probe it (`AppValidation.portIndexIsValid`, `haveAtMostOneMesosHealthCheck`,
    /// `complyWithIpProtocolRules`). Unlike readiness checks, a timeout longer than the interval is
    /// allowed, as in Marathon; RAML minimums are checked while decoding.
    func validateHealthChecks(_ f: inout FailureCollector) {
        let ports = portCount
        var mesosChecks = 0
        for (index, check) in healthChecks.enumerated() {
            let path = "/healthChecks(\(index))"
            if check.command == nil, [.http, .https, .tcp].contains(check.protocol) {
                let addressable: Bool
                if let portIndex = check.portIndex {
                    addressable = portIndex >= 0 && portIndex < ports
                } else {
                    addressable = check.port != nil || ports == 1
                }
                if !addressable {
                    f.add(path, "Health check port indices must address an element of the ports array or container port mappings.")
                }
            }
            if check.protocol == .command, (check.command ?? "").isEmpty {
                f.add(path + "/command", "must not be empty")
            }
            if check.command == nil, check.protocol.isMesosCheck { mesosChecks += 1 }
            for (value, name) in [(check.gracePeriodSeconds, "gracePeriodSeconds"), (check.intervalSeconds, "intervalSeconds"),
                                  (check.timeoutSeconds, "timeoutSeconds"), (check.delaySeconds, "delaySeconds")] {
                f.atMost(value, Self.maxSeconds, "\(path)/\(name)")
            }
            f.atMost(check.maxConsecutiveFailures, Self.maxInstances, path + "/maxConsecutiveFailures")
            if check.ipProtocol == "IPv6", !([.mesosHttp, .mesosHttps, .mesosTcp].contains(check.protocol) && container?.type == .docker) {
                f.add(path, "IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks")
            }
        }
        if mesosChecks > 1 { f.add("/", "AppDefinition can contain at most one Mesos health check") }
    }

    /// At most one readiness check, naming a port of the app, with a timeout below its interval
    /// (`AppValidation.readinessCheckValidator`).
    func validateReadinessChecks(_ f: inout FailureCollector) {
        f.atMost(readinessChecks.count, 1, "/readinessChecks")
        let names = Set(portNames)
        for (index, check) in readinessChecks.enumerated() {
            let path = "/readinessChecks(\(index))"
            if !names.contains(check.portName) {
                f.add(path + "/portName", "No port definition reference for portName \(check.portName)")
            }
            f.lessThan(check.timeoutSeconds, check.intervalSeconds, path + "/timeoutSeconds")
            f.atMost(check.intervalSeconds, Self.maxSeconds, path + "/intervalSeconds")
        }
    }

    func validateConstraints(_ f: inout FailureCollector) {
        for (index, c) in constraints.enumerated() {
            let path = "/constraints(\(index))"
            guard !c.field.isEmpty else {
                f.add(path, "missing field for constraint declaration")
                continue
            }
            switch c.op {
            case .unique:
                if c.value != nil { f.add(path, "UNIQUE does not accept a value") }
            case .cluster:
                break
            case .groupBy:
                if let value = c.value, Int32(value) == nil {
                    f.add(path, "GROUP BY must define an integer value or else no value at all")
                }
            case .maxPer:
                if c.value.flatMap({ Int32($0) }) == nil { f.add(path, "MAX_PER requires an integer value") }
            case .like, .unlike:
                if let value = c.value, !value.isEmpty {
                    if (try? Regex(value)) == nil { f.add(path, "is not a valid regular expression") }
                } else {
                    f.add(path, "LIKE and UNLIKE require a non-empty, regular expression value")
                }
            case .is:
                if (try? ValidationPatterns.isValue.wholeMatch(in: c.value ?? "")) == nil {
                    f.add(path, "IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)")
                }
            }
        }
    }
}

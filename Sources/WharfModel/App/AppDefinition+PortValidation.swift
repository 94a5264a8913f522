import Foundation

extension AppDefinition {
    /// Protocols Marathon accepts on port definitions and mappings.
    static let portProtocols: Set<String> = ["tcp", "udp", "udp,tcp", "tcp,udp"]

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

    func validatePorts(_ f: inout FailureCollector) {
        let names = portDefinitions.compactMap(\.name)
        if Set(names).count != names.count { f.add("/portDefinitions", "Port names must be unique.") }
        let fixed = portDefinitions.map(\.port).filter { $0 != 0 }
        if Set(fixed).count != fixed.count { f.add("/portDefinitions", "Ports must be unique.") }
        for (index, definition) in portDefinitions.enumerated() {
            let path = "/portDefinitions(\(index))"
            f.between(definition.port, 0, 65535, path + "/port")
            if let name = definition.name {
                f.fullyMatches(name, ValidationPatterns.portName, pattern: ValidationPatterns.portNamePattern, path + "/name")
            }
            if !Self.portProtocols.contains(definition.protocol) {
                f.add(path + "/protocol", "is not one of (tcp,udp,udp,tcp)")
            }
        }
        guard let mappings = container?.portMappings else { return }
        let mappingNames = mappings.compactMap(\.name)
        if Set(mappingNames).count != mappingNames.count { f.add("/container/portMappings", "Port names must be unique.") }
        for (index, mapping) in mappings.enumerated() {
            let path = "/container/portMappings(\(index))"
            f.between(mapping.containerPort, 0, 65535, path + "/containerPort")
            if let hostPort = mapping.hostPort { f.between(hostPort, 0, 65535, path + "/hostPort") }
            f.between(mapping.servicePort, 0, 65535, path + "/servicePort")
            if let name = mapping.name {
                f.fullyMatches(name, ValidationPatterns.portName, pattern: ValidationPatterns.portNamePattern, path + "/name")
            }
            if !Self.portProtocols.contains(mapping.protocol) {
                f.add(path + "/protocol", "is not one of (tcp,udp,udp,tcp)")
            }
        }
        if usesHostNetwork, !mappings.isEmpty { f.add("/", "portMappings are not allowed with host-networking") }
    }

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
            if let port = check.port { f.between(port, 0, 65535, path + "/port") }
            f.atLeast(check.gracePeriodSeconds, 0, path + "/gracePeriodSeconds")
            f.atLeast(check.intervalSeconds, 0, path + "/intervalSeconds")
            f.atLeast(check.timeoutSeconds, 0, path + "/timeoutSeconds")
            f.atLeast(check.maxConsecutiveFailures, 0, path + "/maxConsecutiveFailures")
            f.atLeast(check.delaySeconds, 0, path + "/delaySeconds")
            f.lessThan(check.timeoutSeconds, check.intervalSeconds, path + "/timeoutSeconds")
            for (value, name) in [(check.gracePeriodSeconds, "gracePeriodSeconds"), (check.intervalSeconds, "intervalSeconds"),
                                  (check.timeoutSeconds, "timeoutSeconds"), (check.delaySeconds, "delaySeconds")] {
                f.atMost(value, Self.maxSeconds, "\(path)/\(name)")
            }
            f.atMost(check.maxConsecutiveFailures, Self.maxInstances, path + "/maxConsecutiveFailures")
            if let ip = check.ipProtocol, ip != "IPv4" {
                let mesosHTTP = [.mesosHttp, .mesosHttps, .mesosTcp].contains(check.protocol)
                if ip != "IPv6" {
                    f.add(path + "/ipProtocol", PlayErrorCode.unknownEnumLiteral)
                } else if !(mesosHTTP && container?.type == .docker) {
                    f.add(path, "IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks")
                }
            }
        }
        if mesosChecks > 1 { f.add("/", "AppDefinition can contain at most one Mesos health check") }
    }

    func validateReadinessChecks(_ f: inout FailureCollector) {
        f.atMost(readinessChecks.count, 1, "/readinessChecks")
        let names = Set(portNames)
        for (index, check) in readinessChecks.enumerated() {
            let path = "/readinessChecks(\(index))"
            if !names.contains(check.portName) {
                f.add(path + "/portName", "No port definition reference for portName \(check.portName)")
            }
            f.lessThan(check.timeoutSeconds, check.intervalSeconds, path + "/timeoutSeconds")
            if check.timeoutSeconds <= 0 { f.add(path + "/timeoutSeconds", "got \(check.timeoutSeconds), expected more than 0") }
            f.atMost(check.intervalSeconds, Self.maxSeconds, path + "/intervalSeconds")
            if check.httpStatusCodesForReady.isEmpty { f.add(path + "/httpStatusCodesForReady", "must not be empty") }
            for (i, code) in check.httpStatusCodesForReady.enumerated() {
                f.between(code, 100, 999, "\(path)/httpStatusCodesForReady(\(i))")
            }
            if check.protocol != "HTTP", check.protocol != "HTTPS" {
                f.add(path + "/protocol", PlayErrorCode.unknownEnumLiteral)
            }
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

import ArgumentParser
import Foundation
import Logging
import WharfModel
import WharfServer
#if canImport(Glibc)
import Glibc
#endif

/// The resolved settings of `wharf agent`: each value from its flag, else its `WHARF_*` variable,
/// else the documented default. Invalid values raise a `ValidationError` naming the flag or variable.
struct AgentNodeSettings {
    var configuration: AgentNodeConfiguration
    var logLevel: Logger.Level

    /// Default data dir of `wharf agent`.
    static let defaultDataDir = "./.wharf-agent"

    /// - Parameters:
    ///   - source: every flag but `--attribute`, and the environment.
    ///   - attributes: the `--attribute KEY=VALUE` flags, in order; when none is given,
    ///     `WHARF_ATTRIBUTES` (comma-separated) is read instead.
    init(_ source: DevSettings.Source, attributes: [String]) throws {
        guard let (joinText, joinOrigin) = source.value("join") else {
            throw ValidationError("--join (or WHARF_JOIN) is required: the server's agent port, e.g. --join 10.0.0.1:8090 "
                + "(several, comma-separated, are tried in turn)")
        }
        guard let servers = JoinAddress.list(joinText) else {
            throw ValidationError("\(joinOrigin) '\(joinText)' is not a list of host:port (e.g. 10.0.0.1:8090,10.0.0.2:8090)")
        }
        guard let (tokenText, tokenOrigin) = source.value("token") else {
            throw ValidationError("--token (or WHARF_TOKEN) is required: the server's --token")
        }
        var config = AgentNodeConfiguration(servers: servers, token: try ServerSettings.token(tokenText, origin: tokenOrigin))

        config.dataDir = Self.defaultDataDir
        if let (text, origin) = source.value("data-dir") {
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("\(origin) must not be empty") }
            config.dataDir = text
        }
        config.dataDir = DevSettings.absolutePath(config.dataDir)
        if let (text, origin) = source.value("hostname") {
            guard DevSettings.isHostName(text.lowercased()) else { throw ValidationError("\(origin) '\(text)' is not a host name") }
            config.hostname = text
        }
        if let (text, origin) = source.value("advertise-ip") {
            guard Self.isIPAddress(text) else {
                throw ValidationError("\(origin) '\(text)' is not an IP address (the address tasks are reached at, e.g. 10.0.0.5)")
            }
            config.advertiseIP = text
        }
        if let (text, origin) = source.value("cpus") {
            config.cpus = try DevSettings.number(text, origin: origin, unit: "CPUs", allowZero: false)
        }
        if let (text, origin) = source.value("mem") {
            config.mem = try DevSettings.number(text, origin: origin, unit: "MiB", allowZero: false)
        }
        if let (text, origin) = source.value("disk") {
            config.disk = try DevSettings.number(text, origin: origin, unit: "MiB", allowZero: true)
        }
        if let (text, origin) = source.value("task-ports") {
            config.taskPorts = try DevSettings.portRanges(text, origin: origin)
        }
        if let (text, origin) = source.value("docker-socket") {
            config.dockerSocket = try DevSettings.dockerSocket(text, origin: origin)
        }
        if let (text, origin) = source.value("cpu-hard-limit") {
            config.hardCpuLimit = try DevSettings.bool(text, origin: origin)
        }
        config.taskOutput = try DevSettings.taskOutput(source)
        if let (text, origin) = source.value("simulate") {
            guard let count = Int(text), (1...10_000).contains(count) else {
                throw ValidationError("\(origin) '\(text)' must be a number of simulated agents, 1-10000")
            }
            config.simulate = count
        }
        config.attributes = try Self.attributes(attributes, environment: source.environment)
        config.discovery = try Self.discovery(source, taskPorts: config.taskPorts)
        try Self.readMetrics(source, into: &config)
        configuration = config
        logLevel = try DevSettings.logLevel(source)
    }

    /// `KEY=VALUE` pairs from the flags, else from `WHARF_ATTRIBUTES`.
    static func attributes(_ flags: [String], environment: [String: String]) throws -> [String: String] {
        var origin = "--attribute"
        var entries = flags
        if entries.isEmpty, let text = environment["WHARF_ATTRIBUTES"], !text.isEmpty {
            origin = "WHARF_ATTRIBUTES"
            entries = text.split(separator: ",").map(String.init)
        }
        var attributes: [String: String] = [:]
        for entry in entries {
            let pair = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty, !pair[1].contains(where: \.isNewline),
                  pair[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
            else {
                throw ValidationError("\(origin) '\(entry)' is not KEY=VALUE (KEY of letters, digits, '_', '.', '-'; e.g. rack=r1)")
            }
            guard pair[0] != "hostname", !pair[0].hasPrefix("@") else {
                throw ValidationError("\(origin) '\(entry)': '\(pair[0])' is reserved (constraints on hostname use --hostname)")
            }
            guard attributes[pair[0]] == nil else { throw ValidationError("\(origin) gives '\(pair[0])' twice") }
            attributes[pair[0]] = pair[1]
        }
        return attributes
    }

    /// The router, DNS and Consul API flags, as for `wharf dev`; their ports (or off) distinct and
    /// outside the task ports.
    static func discovery(_ source: DevSettings.Source, taskPorts: [PortRange]) throws -> DiscoveryConfiguration {
        var discovery = DiscoveryConfiguration()
        try DevSettings.readDiscovery(source, into: &discovery)
        let listeners = [("--router-port", discovery.routerPort), ("--dns-port", discovery.dnsPort), ("--consul-port", discovery.consulPort)]
            .compactMap { flag, port in port.map { (flag, $0) } }
        let ranges = taskPorts.map(\.description).joined(separator: ",")
        for (index, (flag, port)) in listeners.enumerated() {
            if taskPorts.contains(where: { $0.contains(port) }) {
                throw ValidationError("\(flag) \(port) lies inside the task port range \(ranges); choose another \(flag) or --task-ports")
            }
            if let other = listeners[..<index].first(where: { $0.1 == port }) {
                throw ValidationError("\(flag) \(port) is already used by \(other.0)")
            }
        }
        return discovery
    }

    /// Whether `text` is an IPv4 or IPv6 address literal.
    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

import ArgumentParser
import Foundation
import Logging
import WharfAgent
import WharfModel
import WharfServer

/// The resolved settings of `wharf dev`: each value from its flag, else its `WHARF_*` variable, else
/// the documented default. Invalid values raise a `ValidationError` naming the flag or variable.
struct DevSettings {
    /// Where a setting's raw text comes from.
    struct Source {
        /// Raw flag values by long flag name (`api-port`), nil when the flag was not given.
        var flags: [String: String?]
        /// The process environment.
        var environment: [String: String]

        /// The raw value of `flag` and a label for error messages (`--api-port` or `WHARF_API_PORT`).
        func value(_ flag: String) -> (text: String, origin: String)? {
            if let text = flags[flag] ?? nil { return (text, "--\(flag)") }
            let variable = "WHARF_" + flag.uppercased().replacingOccurrences(of: "-", with: "_")
            if let text = environment[variable], !text.isEmpty { return (text, variable) }
            return nil
        }
    }

    var configuration: ServerConfiguration
    var logLevel: Logger.Level
    /// Settings that work but deserve a word at start-up (overlapping port ranges).
    var warnings: [String] = []

    init(_ source: Source) throws {
        var config = ServerConfiguration()
        try Self.readControlPlane(source, into: &config)
        if let (text, origin) = source.value("task-ports") {
            config.taskPorts = try Self.portRanges(text, origin: origin)
        }
        if let (text, origin) = source.value("stop-tasks-on-exit") {
            config.stopTasksOnExit = try Self.bool(text, origin: origin)
        }
        if let (text, origin) = source.value("cpus") {
            config.cpus = try Self.number(text, origin: origin, unit: "CPUs", allowZero: false)
        }
        if let (text, origin) = source.value("mem") {
            config.mem = try Self.number(text, origin: origin, unit: "MiB", allowZero: false)
        }
        if let (text, origin) = source.value("disk") {
            config.disk = try Self.number(text, origin: origin, unit: "MiB", allowZero: true)
        }
        if let (text, origin) = source.value("simulated-agents") {
            guard let count = Int(text), count >= 0 else {
                throw ValidationError("\(origin) '\(text)' must be a whole number, 0 or more")
            }
            config.simulatedAgents = count
        }
        if let (text, origin) = source.value("cpu-hard-limit") {
            config.hardCpuLimit = try Self.bool(text, origin: origin)
        }
        if let (text, origin) = source.value("docker-socket") {
            config.dockerSocket = try Self.dockerSocket(text, origin: origin)
        }
        config.taskOutput = try Self.taskOutput(source)
        try Self.readDiscovery(source, into: &config)
        if let (text, origin) = source.value("task-metrics") {
            config.taskMetrics = try Self.bool(text, origin: origin)
        }
        warnings = try Self.checkPortRanges(config)
        configuration = config
        logLevel = try Self.logLevel(source)
    }

    /// The settings `wharf dev` and `wharf server` share: data dir, API, advertised host, service
    /// ports, kill and deployment timing, datacenter. `config.dataDir` holds the default data dir.
    static func readControlPlane(_ source: Source, into config: inout ServerConfiguration) throws {
        if let (text, origin) = source.value("data-dir") {
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("\(origin) must not be empty")
            }
            config.dataDir = text
        }
        config.dataDir = Self.absolutePath(config.dataDir)

        if let (text, origin) = source.value("api-port") {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw ValidationError("\(origin) '\(text)' is not a port number (1-65535)")
            }
            config.apiPort = port
        }
        if let (text, origin) = source.value("host") {
            guard !text.isEmpty, !text.contains(where: \.isWhitespace) else {
                throw ValidationError("\(origin) '\(text)' is not a host name or address")
            }
            config.advertisedHost = text
        }
        if let (text, origin) = source.value("bind") {
            guard !text.isEmpty, !text.contains(where: \.isWhitespace) else {
                throw ValidationError("\(origin) '\(text)' is not an address to bind to")
            }
            config.bindAddress = text
        }
        if let (text, origin) = source.value("service-ports") {
            guard let range = PortRange(text) else {
                throw ValidationError("\(origin) '\(text)' is not one port range such as 10000-20000 (ports 1-65535, low-high)")
            }
            config.servicePorts = range
        }
        if let (text, origin) = source.value("kill-grace-period") {
            config.defaultKillGracePeriodSeconds = try Self.number(text, origin: origin, unit: "seconds", allowZero: true)
        }
        if let (text, origin) = source.value("kill-drain") {
            config.killDrainSeconds = try Self.number(text, origin: origin, unit: "seconds", allowZero: true)
        }
        if let (text, origin) = source.value("deployment-deadline") {
            config.deploymentProgressDeadlineSeconds = try Self.number(text, origin: origin, unit: "seconds", allowZero: false)
        }
        if let (text, origin) = source.value("deployment-max-failures") {
            guard let count = Int(text), count >= 1 else {
                throw ValidationError("\(origin) '\(text)' must be a whole number, 1 or more")
            }
            config.deploymentMaxTaskFailures = count
        }
        if let (text, origin) = source.value("datacenter") {
            guard isHostName(text.lowercased()), !text.contains(".") else {
                throw ValidationError("\(origin) '\(text)' is not a datacenter name (letters, digits, '-')")
            }
            config.datacenter = text.lowercased()
        }
    }

    /// `--log-level`, default info.
    static func logLevel(_ source: Source) throws -> Logger.Level {
        guard let (text, origin) = source.value("log-level") else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("\(origin) '\(text)' is not a log level (\(names))")
        }
        return level
    }

    /// `--docker-socket`: a socket path, or `none` (or empty) for processes only.
    static func dockerSocket(_ text: String, origin: String) throws -> String {
        if text.isEmpty || text.lowercased() == "none" { return "" }
        guard !text.contains(where: \.isNewline) else {
            throw ValidationError("\(origin) '\(text)' is not a socket path")
        }
        return absolutePath(text)
    }

    /// Parses `31000-32000` or a comma-separated list of ranges and single ports; ranges must not overlap.
    static func portRanges(_ text: String, origin: String) throws -> [PortRange] {
        var ranges: [PortRange] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let range = PortRange(String(part)) else {
                throw ValidationError("\(origin) '\(part)' is not a port range such as 31000-32000 (ports 1-65535, low-high)")
            }
            if let other = ranges.first(where: { $0.begin <= range.end && range.begin <= $0.end }) {
                throw ValidationError("\(origin): ranges \(other) and \(range) overlap")
            }
            ranges.append(range)
        }
        return ranges
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    /// `--log-max-size`, `--log-max-files`, `--sandbox-retention`, `--sandboxes-per-app` and `--syslog`.
    static func taskOutput(_ source: Source) throws -> TaskOutputSettings {
        var settings = TaskOutputSettings()
        if let (text, origin) = source.value("log-max-size") {
            settings.rotation.maxFileBytes = try byteSize(text, origin: origin, minimum: 1024)
        }
        if let (text, origin) = source.value("log-max-files") {
            guard let count = Int(text), (1...100).contains(count) else {
                throw ValidationError("\(origin) '\(text)' must be a number of files, 1-100")
            }
            settings.rotation.maxFiles = count
        }
        if let (text, origin) = source.value("sandbox-retention") {
            guard let seconds = durationSeconds(text), seconds >= 1, seconds <= 365 * 86400 else {
                throw ValidationError("\(origin) '\(text)' is not a duration such as 30m, 24h or 7d (1s to 365d)")
            }
            settings.sandboxRetentionSeconds = seconds
        }
        if let (text, origin) = source.value("sandboxes-per-app") {
            guard let count = Int(text), (0...10_000).contains(count) else {
                throw ValidationError("\(origin) '\(text)' must be a number of sandboxes, 0-10000")
            }
            settings.sandboxesPerApp = count
        }
        if let (text, origin) = source.value("syslog"), text.lowercased() != "off" {
            guard let target = SyslogTarget(parsing: text) else {
                throw ValidationError("\(origin) '\(text)' must be udp://HOST:PORT or tcp://HOST:PORT")
            }
            settings.syslog = target
        }
        return settings
    }

    /// A size in bytes: a whole number, optionally with a k, m or g suffix (1024-based; `KB`,
    /// `KiB`, `MB`, ... are read alike), at least `minimum` and at most 1 TiB.
    static func byteSize(_ text: String, origin: String, minimum: Int) throws -> Int {
        let lowered = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = lowered.prefix { $0.isNumber }
        var unit = String(lowered.dropFirst(digits.count)).trimmingCharacters(in: .whitespaces)
        for suffix in ["ib", "b"] where unit.hasSuffix(suffix) && unit.count > 0 {
            unit.removeLast(suffix.count)
            break
        }
        let multipliers: [String: Int] = ["": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        guard let value = Int(digits), let multiplier = multipliers[unit],
              value <= (1 << 40) / multiplier, value * multiplier >= minimum else {
            throw ValidationError("\(origin) '\(text)' must be a size from \(minimum) bytes to 1g, e.g. 10m or 512k")
        }
        return value * multiplier
    }

    static func bool(_ text: String, origin: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ValidationError("\(origin) '\(text)' must be true or false")
        }
    }

    /// Refuses a listener port (API, router, DNS, Consul) inside the task port ranges, where a task
    /// could be given it; returns a warning when the service ports overlap the task ports (tasks
    /// then skip the ones the router listens on, but the ranges no longer say which is which).
    private static func checkPortRanges(_ config: ServerConfiguration) throws -> [String] {
        let discovery = config.discovery
        let ranges = config.taskPorts.map(\.description).joined(separator: ",")
        let listeners = [("--api-port", config.apiPort as Int?), ("--router-port", discovery.routerPort),
                         ("--dns-port", discovery.dnsPort), ("--consul-port", discovery.consulPort)]
        for case let (flag, port?) in listeners where config.taskPorts.contains(where: { $0.contains(port) }) {
            throw ValidationError("\(flag) \(port) lies inside the task port range \(ranges); choose another \(flag) or --task-ports")
        }
        let service = config.servicePorts
        guard discovery.routerPort != nil, discovery.tcpRoutes,
              let overlap = config.taskPorts.first(where: { $0.begin <= service.end && service.begin <= $0.end })
        else { return [] }
        return ["--service-ports \(service) overlaps --task-ports \(overlap): tasks are not given the service ports the "
            + "router listens on, but keeping the two ranges apart (the defaults, 10000-20000 and 31000-32000) "
            + "leaves no doubt which port is which"]
    }

    static func number(_ text: String, origin: String, unit: String, allowZero: Bool) throws -> Double {
        guard let value = Double(text), value.isFinite, allowZero ? value >= 0 : value > 0 else {
            throw ValidationError("\(origin) '\(text)' must be a \(allowZero ? "non-negative" : "positive") number of \(unit)")
        }
        guard value <= 1e12 else { throw ValidationError("\(origin) '\(text)' is too large (at most 1e12 \(unit))") }
        return value
    }

    static func absolutePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
        let cwd = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: cwd).appendingPathComponent(expanded).standardizedFileURL.path
    }

    /// Router, DNS and Consul API settings, and that no two listeners share a port.
    private static func readDiscovery(_ source: Source, into config: inout ServerConfiguration) throws {
        var discovery = config.discovery
        try readDiscovery(source, into: &discovery)
        let bound = [("--api-port", config.apiPort as Int?), ("--router-port", discovery.routerPort), ("--consul-port", discovery.consulPort),
                     ("--dns-port", discovery.dnsPort)]
            .compactMap { name, port in port.map { (name, $0) } }
        for (i, (name, port)) in bound.enumerated() {
            if let other = bound[..<i].first(where: { $0.1 == port }) {
                throw ValidationError("\(name) \(port) is already used by \(other.0)")
            }
        }
        config.discovery = discovery
    }

    /// The router, DNS and Consul API flags (`wharf dev`'s and `wharf agent`'s) into `discovery`.
    static func readDiscovery(_ source: Source, into discovery: inout DiscoveryConfiguration) throws {
        if let (text, origin) = source.value("router-port") { discovery.routerPort = try optionalPort(text, origin: origin) }
        if let (text, origin) = source.value("dns-port") { discovery.dnsPort = try optionalPort(text, origin: origin) }
        if let (text, origin) = source.value("consul-port") { discovery.consulPort = try optionalPort(text, origin: origin) }
        if let (text, origin) = source.value("router-bind") {
            guard !text.isEmpty, !text.contains(where: \.isWhitespace) else {
                throw ValidationError("\(origin) '\(text)' is not an address to bind to")
            }
            discovery.routerBind = text
            discovery.dnsBind = text
        }
        if let (text, origin) = source.value("router-domain") {
            if text.lowercased() == "off" || text.isEmpty {
                discovery.routerDomain = nil
            } else {
                let domain = text.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
                guard isHostName(domain) else { throw ValidationError("\(origin) '\(text)' is not a domain name (or off)") }
                discovery.routerDomain = domain
            }
        }
        if let (text, origin) = source.value("router-groups") {
            discovery.routerGroups = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !discovery.routerGroups.isEmpty else { throw ValidationError("\(origin) must list at least one group, e.g. external or *") }
        }
        if let (text, origin) = source.value("tcp-routes") {
            discovery.tcpRoutes = try bool(text, origin: origin)
        }
        if let (text, origin) = source.value("router-metrics") {
            discovery.routerMetrics = try bool(text, origin: origin)
        }
        if let (text, origin) = source.value("dns-domains") {
            var domains: [String] = []
            for part in text.split(separator: ",") {
                let domain = part.trimmingCharacters(in: .whitespaces).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
                guard isHostName(domain), domain != "consul" else {
                    throw ValidationError("\(origin) '\(part)' is not a domain name other than consul")
                }
                domains.append(domain)
            }
            discovery.dnsExtraDomains = domains
        }
        if let (text, origin) = source.value("dns-ttl") {
            guard let ttl = Int(text), (0...86400).contains(ttl) else {
                throw ValidationError("\(origin) '\(text)' must be whole seconds, 0-86400")
            }
            discovery.dnsTTL = ttl
        }
        if let (text, origin) = source.value("router-timeouts") {
            for part in text.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                let names = DiscoveryConfiguration.routerTimeoutNames
                guard pair.count == 2, names.contains(pair[0]) else {
                    throw ValidationError("\(origin) '\(part)' is not name=duration with a name among \(names.joined(separator: ", "))")
                }
                guard let seconds = durationSeconds(pair[1]), seconds > 0, seconds <= 86400 else {
                    throw ValidationError("\(origin) '\(pair[1])' is not a duration such as 500ms, 3s or 2m (at most 24h)")
                }
                discovery.routerTimeouts[pair[0]] = seconds
            }
        }
    }

    /// `500ms`, `3s`, `2m`, `1h`, `7d` or a bare number of seconds.
    private static func durationSeconds(_ text: String) -> Double? {
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86400.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(text)
    }

    /// A port number, or `off` for none.
    static func optionalPort(_ text: String, origin: String) throws -> Int? {
        if text.lowercased() == "off" { return nil }
        guard let port = Int(text), (1...65535).contains(port) else {
            throw ValidationError("\(origin) '\(text)' is not a port number (1-65535) or off")
        }
        return port
    }

    static func isHostName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 253 && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

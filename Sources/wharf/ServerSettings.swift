import ArgumentParser
import Foundation
import Logging
import WharfServer

/// The resolved settings of `wharf server`: each value from its flag, else its `WHARF_*` variable,
/// else the documented default. Invalid values raise a `ValidationError` naming the flag or variable.
struct ServerSettings {
    var configuration: ServerConfiguration
    var hub: AgentHubConfiguration
    /// Set with `--etcd`: state in etcd, leader election among servers.
    var ha: HAConfiguration?
    var logLevel: Logger.Level
    /// Settings that work but deserve a word at start-up.
    var warnings: [String] = []

    /// Default data dir of `wharf server`.
    static let defaultDataDir = "./.wharf-server"

    init(_ source: DevSettings.Source) throws {
        var config = ServerConfiguration(dataDir: Self.defaultDataDir)
        // No router, DNS or task ports here: agents serve those.
        config.discovery = DiscoveryConfiguration(routerPort: nil, dnsPort: nil)
        try DevSettings.readControlPlane(source, into: &config)

        guard let (token, tokenOrigin) = source.value("token") else {
            throw ValidationError("--token (or WHARF_TOKEN) is required: the shared secret every agent presents to join, "
                + "e.g. --token $(openssl rand -hex 16)")
        }
        hub = AgentHubConfiguration(bindAddress: config.bindAddress, token: try Self.token(token, origin: tokenOrigin))
        if token.count < 16 {
            warnings.append("\(tokenOrigin) is shorter than 16 characters: anyone who guesses it can join an agent and receive tasks")
        }
        if let (text, origin) = source.value("agent-port") {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw ValidationError("\(origin) '\(text)' is not a port number (1-65535)")
            }
            hub.port = port
        }
        guard hub.port != config.apiPort else {
            throw ValidationError("--agent-port \(hub.port) is already used by --api-port")
        }
        if let (text, origin) = source.value("agent-timeout") {
            hub.agentTimeoutSeconds = try DevSettings.number(text, origin: origin, unit: "seconds", allowZero: false)
            guard hub.agentTimeoutSeconds >= 0.5, hub.agentTimeoutSeconds <= 86400 else {
                throw ValidationError("\(origin) '\(text)' must be between 0.5 and 86400 seconds")
            }
        }
        if let (text, origin) = source.value("reconnect-grace") {
            config.agentReregistrationSeconds = try DevSettings.number(text, origin: origin, unit: "seconds", allowZero: true)
        }
        if config.agentReregistrationSeconds < hub.agentTimeoutSeconds {
            warnings.append("--reconnect-grace \(config.agentReregistrationSeconds) is shorter than --agent-timeout "
                + "\(hub.agentTimeoutSeconds): after a restart, agents that have not reconnected yet are declared unreachable early")
        }
        configuration = config
        logLevel = try DevSettings.logLevel(source)
        ha = try Self.ha(source)
    }

    /// The etcd settings, when `--etcd` is given; the other etcd flags without it are an error.
    static func ha(_ source: DevSettings.Source) throws -> HAConfiguration? {
        guard let (text, origin) = source.value("etcd") else {
            for flag in ["etcd-prefix", "max-txn-ops", "leader-lease", "etcd-compaction-interval"] {
                if let (_, other) = source.value(flag) { throw ValidationError("\(other) needs --etcd (WHARF_ETCD)") }
            }
            return nil
        }
        var endpoints: [String] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let url = part.trimmingCharacters(in: .whitespaces)
            guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil,
                  parsed.path.isEmpty || parsed.path == "/" else {
                throw ValidationError("\(origin): '\(url)' is not an etcd client URL such as http://127.0.0.1:2379")
            }
            endpoints.append(url.hasSuffix("/") ? String(url.dropLast()) : url)
        }
        guard !endpoints.isEmpty else { throw ValidationError("\(origin) names no etcd endpoint") }
        var ha = HAConfiguration(endpoints: endpoints)
        if let (prefix, origin) = source.value("etcd-prefix") {
            guard prefix.hasPrefix("/"), prefix.hasSuffix("/"), prefix.count >= 2, prefix.count <= 200,
                  !prefix.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw ValidationError("\(origin) '\(prefix)' must start and end with '/', e.g. /wharf/prod/")
            }
            ha.prefix = prefix
        }
        if let (value, origin) = source.value("max-txn-ops") {
            guard let n = Int(value), (16...100_000).contains(n) else {
                throw ValidationError("\(origin) '\(value)' must be a whole number from 16 to 100000 (etcd's default is 128)")
            }
            ha.maxTxnOps = n
        }
        if let (value, origin) = source.value("leader-lease") {
            guard let n = Int64(value), (2...60).contains(n) else {
                throw ValidationError("\(origin) '\(value)' must be whole seconds from 2 (etcd's minimum) to 60")
            }
            ha.leaseTTLSeconds = n
        }
        if let (value, origin) = source.value("etcd-compaction-interval") {
            ha.compactionIntervalSeconds = try DevSettings.number(value, origin: origin, unit: "seconds", allowZero: false)
        }
        return ha
    }

    /// A token must be non-empty and printable without spaces (it travels in every hello).
    static func token(_ text: String, origin: String) throws -> String {
        guard !text.isEmpty, text.count <= 1024, text.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw ValidationError("\(origin) must be 1-1024 printable ASCII characters without spaces")
        }
        return text
    }
}

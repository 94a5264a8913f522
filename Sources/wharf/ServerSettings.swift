import ArgumentParser
import Foundation
import Logging
import WharfServer

/// The resolved settings of `wharf server`: each value from its flag, else its `WHARF_*` variable,
/// else the documented default. Invalid values raise a `ValidationError` naming the flag or variable.
struct ServerSettings {
    var configuration: ServerConfiguration
    var hub: AgentHubConfiguration
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
    }

    /// A token must be non-empty and printable without spaces (it travels in every hello).
    static func token(_ text: String, origin: String) throws -> String {
        guard !text.isEmpty, text.count <= 1024, text.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw ValidationError("\(origin) must be 1-1024 printable ASCII characters without spaces")
        }
        return text
    }
}

import Foundation

/// The agent link's protocol identity and the server's rules for a hello: versions, token and
/// heartbeat interval. Pure functions, so that the handshake's decisions are unit-tested without
/// sockets.
enum WireProtocol {
    /// Names the protocol in every hello; a peer that sends anything else is not a Wharf agent.
    static let name = "wharf-agent"
    /// Versions this build speaks. A later build that adds messages adds a version here and keeps
    /// speaking the older ones for as long as it accepts older agents.
    static let versions: ClosedRange<Int> = 1...2
    /// The first version with `logRead`/`logData` (task output read through the link).
    static let taskLogsVersion = 2
    /// The `wharf` version sent in hellos, for logs.
    static let software = "wharf 0.1.0"

    /// The server's answer to a hello (before the duplicate-id check, which needs the hub's state).
    static func evaluate(_ hello: WireHello, token: String, supported: ClosedRange<Int> = versions) -> Result<Int, WireRefusal> {
        guard hello.protocol == name else {
            return .failure(WireRefusal(code: .badHello, reason: "unknown protocol '\(hello.protocol)' (expected '\(name)')"))
        }
        // The token first: an unauthenticated peer learns nothing else about this server.
        guard tokensMatch(hello.token, token) else {
            return .failure(WireRefusal(code: .badToken, reason:
                "wrong cluster token: give the agent the server's --token (WHARF_TOKEN)"))
        }
        guard let version = hello.versions.filter(supported.contains).max() else {
            let offered = hello.versions.isEmpty ? "none" : hello.versions.sorted().map(String.init).joined(separator: ", ")
            return .failure(WireRefusal(code: .versionMismatch, reason:
                "no common protocol version: the agent speaks \(offered), this server speaks \(describe(supported)); "
                + "run the same wharf version on the server and its agents"))
        }
        guard isValidAgentId(hello.agentId), hello.agent.id == hello.agentId else {
            return .failure(WireRefusal(code: .badHello, reason:
                "invalid agent id '\(hello.agentId)' (1-128 letters, digits, '.', '_' or '-', and the same in the agent's info)"))
        }
        guard !hello.processId.isEmpty, hello.processId.count <= 128 else {
            return .failure(WireRefusal(code: .badHello, reason: "missing process id in hello"))
        }
        return .success(version)
    }

    /// `a == b` in time that depends only on the lengths, so that a wrong token reveals nothing
    /// about how much of it was right.
    static func tokensMatch(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt64(x.count ^ y.count)
        for i in 0..<max(x.count, y.count) {
            let p = i < x.count ? x[i] : 0
            let q = i < y.count ? y[i] : 0
            difference |= UInt64(p ^ q)
        }
        return difference == 0
    }

    /// Agent ids as generated (`AgentIdentity`) or chosen by hand: safe in logs, file names and URLs.
    static func isValidAgentId(_ id: String) -> Bool {
        (1...128).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Seconds between heartbeats with `agents` connected, for a silence limit of `timeout`: 2 s,
    /// growing with the cluster so that the server handles about `maxPerSecond` heartbeats a second
    /// (Nomad's `max(min_heartbeat_ttl, nodes / max_heartbeats_per_second)`), but never more than a
    /// third of the timeout, so that two lost heartbeats never make an agent unreachable.
    static func heartbeatInterval(agents: Int, timeout: Double, maxPerSecond: Double = 50) -> Double {
        let scaled = max(2.0, Double(agents) / maxPerSecond)
        return max(0.05, min(scaled, timeout / 3))
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
    }
}

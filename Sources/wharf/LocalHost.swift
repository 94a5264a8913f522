import Foundation

/// Whether a host named in a URL is this machine.
enum LocalHost {
    /// True for loopback names and addresses, and for names or addresses of this machine's own
    /// interfaces (resolved once; a name that does not resolve is not local).
    static func isLocal(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name.hasSuffix(".localhost") || name.hasPrefix("127.") || name == "::1" || name == "0.0.0.0" {
            return true
        }
        let own = Set(Host.current().addresses.map { $0.lowercased() })
        if own.contains(name) { return true }
        return !Set(Host(name: name).addresses.map { $0.lowercased() }).isDisjoint(with: own)
    }
}

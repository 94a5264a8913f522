import WharfAgent

/// Checks before start-up that the ports `wharf dev` listens on are free, so that a second
/// `wharf dev` on the same machine stops at once with every flag to change, rather than one
/// listener after another.
enum ListenerPreflight {
    /// Ports already taken, each with its flag.
    struct PortsInUse: Error, CustomStringConvertible {
        var taken: [(flag: String, port: Int, address: String)]

        var description: String {
            let list = taken.map { "\($0.flag) \($0.port) (on \($0.address))" }.joined(separator: ", ")
            let flags = taken.map(\.flag)
            let off = flags.filter { $0 != "--api-port" }.map { "\($0) off" }
            return "cannot start: \(taken.count == 1 ? "this port is" : "these ports are") already in use on this machine: \(list). "
                + "Is another wharf dev running? Give this one free ports with \(flags.joined(separator: ", "))"
                + (off.isEmpty ? "" : ", or turn listeners off (\(off.joined(separator: ", ")))")
                + "; a second wharf dev also needs its own --data-dir."
        }
    }

    /// Throws `PortsInUse` when a configured listener port cannot be bound because it is in use.
    static func check(_ configuration: ServerConfiguration) throws {
        let discovery = configuration.discovery
        var wanted: [(flag: String, port: Int, address: String, transports: [PortProbe.Transport])] = [
            ("--api-port", configuration.apiPort, configuration.bindAddress, [.tcp]),
        ]
        if let port = discovery.routerPort { wanted.append(("--router-port", port, discovery.routerBind, [.tcp])) }
        if let port = discovery.dnsPort { wanted.append(("--dns-port", port, discovery.dnsBind, [.udp, .tcp])) }
        if let port = discovery.consulPort { wanted.append(("--consul-port", port, configuration.bindAddress, [.tcp])) }
        let taken = wanted.filter { item in
            item.transports.contains { PortProbe.isInUse(port: item.port, transport: $0, address: item.address) }
        }
        guard taken.isEmpty else { throw PortsInUse(taken: taken.map { ($0.flag, $0.port, $0.address) }) }
    }
}

import WharfModel

/// A host port given to a task, with the transports its app declared for it (`portDefinitions` or
/// `container.portMappings` `protocol`: `tcp`, `udp` or `udp,tcp`).
struct TaskPort: Codable, Hashable, Sendable {
    var port: Int
    var transports: Set<PortProbe.Transport>

    /// The host ports of `launch`'s instance (in `Instance.ports` order), zero ports left out.
    static func of(_ launch: LaunchTask) -> [TaskPort] {
        let app = launch.app
        let protocols = app.usesHostNetwork
            ? app.portDefinitions.map(\.protocol)
            : (app.container?.portMappings ?? []).map(\.protocol)
        return launch.instance.ports.enumerated().compactMap { index, port in
            guard port > 0 else { return nil }
            let text = index < protocols.count ? protocols[index].lowercased() : "tcp"
            var transports = Set(PortProbe.Transport.allCases.filter { text.contains($0.rawValue) })
            if transports.isEmpty { transports = [.tcp] }
            return TaskPort(port: port, transports: transports)
        }
    }

    /// `31005` or `31005/udp` for messages.
    var description: String {
        transports == [.tcp] ? "\(port)" : "\(port)/\(transports.map(\.rawValue).sorted().joined(separator: ","))"
    }
}

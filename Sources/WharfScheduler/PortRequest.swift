import WharfModel

/// The host ports one instance of an app needs, in the order they appear in `Instance.ports`:
/// one per `portDefinitions` entry under host networking, one per `portMappings` entry that asks for
/// a host port otherwise.
struct PortRequest {
    /// One needed host port.
    enum Slot: Equatable {
        /// Any free port from the agent's ranges.
        case dynamic
        /// Exactly this port, which must lie in the agent's ranges and be free.
        case fixed(Int)
    }

    let slots: [Slot]
    /// The fixed ports, for quick checks.
    let fixed: [Int]

    init(app: AppDefinition) {
        var slots: [Slot] = []
        if app.usesHostNetwork {
            for definition in app.portDefinitions {
                slots.append(app.requirePorts && definition.port != 0 ? .fixed(definition.port) : .dynamic)
            }
        } else {
            for mapping in app.container?.portMappings ?? [] {
                if let host = mapping.hostPort, host != 0 { slots.append(.fixed(host)) } else { slots.append(.dynamic) }
            }
        }
        self.slots = slots
        self.fixed = slots.compactMap { if case .fixed(let p) = $0 { return p } else { return nil } }
    }

    /// Whether the instance needs no host port at all.
    var isEmpty: Bool { slots.isEmpty }

    /// Whether `space` can give every slot a distinct port.
    func fits(_ space: PortSpace) -> Bool {
        guard space.freeCount >= slots.count else { return false }
        for (i, p) in fixed.enumerated() {
            guard space.isFree(p) else { return false }
            // A fixed port asked for twice cannot be given twice.
            for q in fixed[..<i] where q == p { return false }
        }
        return true
    }

    /// Takes the ports from `space`; call only after `fits` returned true.
    func allocate(in space: PortSpace) -> [Int] {
        for p in fixed { space.take(p) }
        var ports: [Int] = []
        ports.reserveCapacity(slots.count)
        for slot in slots {
            switch slot {
            case .fixed(let p): ports.append(p)
            case .dynamic: ports.append(space.takeNextFree() ?? 0)
            }
        }
        return ports
    }
}

import WharfModel

/// Gives apps their service ports (Marathon's `AssignDynamicServiceLogic`): every `portDefinitions`
/// entry with `port` 0 (host networking) and every `portMappings` entry with `servicePort` 0 (container
/// networks) gets a port from a range that no other app uses. Ports already set are kept; an app
/// that had ports assigned before gets the same ones back when it asks for dynamic ports again.
public enum ServicePortAssigner {
    /// The range Marathon uses by default (`--local_port_min` / `--local_port_max`).
    public static let defaultRange: ClosedRange<Int> = 10000...20000

    /// Why assignment failed.
    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// Every port of the range is used by some app.
        case rangeExhausted(ClosedRange<Int>)

        public var description: String {
            switch self {
            case .rangeExhausted(let range):
                return "All service ports in the range \(range.lowerBound)-\(range.upperBound) are already used"
            }
        }
    }

    /// The service ports an app declares (0 for ones still to assign).
    public static func servicePorts(of app: AppDefinition) -> [Int] {
        app.usesHostNetwork ? app.portDefinitions.map(\.port) : (app.container?.portMappings ?? []).map(\.servicePort)
    }

    /// `target` with every dynamic service port assigned. `original` holds the apps as they were
    /// before this update (their ports stay reserved, and an updated app reuses its own old ones).
    /// `unavailable` are ports no new assignment may take (held by other processes where routers
    /// listen); `isHeld` says which ports apps not in `original` declare (for a caller that keeps an
    /// index of them rather than handing over every app). Throws `Failure.rangeExhausted` when the
    /// range has no free port left.
    public static func assign(_ target: [AppDefinition], original: [AppDefinition] = [],
                              range: ClosedRange<Int> = defaultRange, unavailable: Set<Int> = [],
                              isHeld: (Int) -> Bool = { _ in false }) throws -> [AppDefinition] {
        var taken = unavailable
        for app in original + target {
            for port in servicePorts(of: app) where port != 0 { taken.insert(port) }
        }
        let originalById = Dictionary(original.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var cursor = range.lowerBound

        func nextGlobalFree() throws -> Int {
            while cursor <= range.upperBound && (taken.contains(cursor) || isHeld(cursor)) { cursor += 1 }
            guard cursor <= range.upperBound else { throw Failure.rangeExhausted(range) }
            taken.insert(cursor)
            return cursor
        }

        var result: [AppDefinition] = []
        result.reserveCapacity(target.count)
        for var app in target {
            let ports = servicePorts(of: app)
            guard ports.contains(0) else {
                result.append(app)
                continue
            }
            // Ports this app had before and no longer names explicitly: handed back first.
            var reusable = (originalById[app.id].map(servicePorts(of:)) ?? [])
                .filter { $0 != 0 && range.contains($0) && !ports.contains($0) }
            reusable.reverse()
            func nextForApp() throws -> Int {
                if let port = reusable.popLast() { return port }
                return try nextGlobalFree()
            }
            if app.usesHostNetwork {
                for i in app.portDefinitions.indices where app.portDefinitions[i].port == 0 {
                    app.portDefinitions[i].port = try nextForApp()
                }
            } else if var mappings = app.container?.portMappings {
                for i in mappings.indices where mappings[i].servicePort == 0 {
                    mappings[i].servicePort = try nextForApp()
                }
                app.container?.portMappings = mappings
            }
            result.append(app)
        }
        return result
    }
}

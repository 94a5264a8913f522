import Foundation

/// One server as the running HAProxy reports it in `show servers state` (format version 1).
public struct HAProxyServerState: Sendable, Equatable {
    public var backend: String
    public var name: String
    public var address: String
    public var port: Int
    /// `srv_admin_state`: a mask of the `admin*` flags.
    public var adminState: Int
    /// `srv_op_state`: 0 stopped, 1 starting, 2 running, 3 stopping.
    public var operationalState: Int

    /// Forced into maintenance (`set server ... state maint` / `disable server`).
    public static let adminForcedMaintenance = 0x01
    /// In maintenance because the config says `disabled`.
    public static let adminConfigMaintenance = 0x04
    /// Forced into drain.
    public static let adminForcedDrain = 0x08

    /// Creates a state (mostly for tests; the runtime client parses them).
    public init(backend: String, name: String, address: String, port: Int, adminState: Int = 0, operationalState: Int = 2) {
        self.backend = backend
        self.name = name
        self.address = address
        self.port = port
        self.adminState = adminState
        self.operationalState = operationalState
    }

    /// Whether the server is in any maintenance mode (it gets no traffic and can be deleted).
    public var inMaintenance: Bool { adminState & (Self.adminForcedMaintenance | Self.adminConfigMaintenance) != 0 }

    /// Whether an administrator (or this tool) forced it out of normal operation.
    public var forcedOutOfService: Bool {
        adminState & (Self.adminForcedMaintenance | Self.adminConfigMaintenance | Self.adminForcedDrain) != 0
    }

    /// Parses the output of `show servers state`, reading columns by the header line so that fields
    /// added by later versions do not shift anything.
    public static func parse(_ text: String) throws -> [HAProxyServerState] {
        var columns: [String: Int] = [:]
        var result: [HAProxyServerState] = []
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("#") {
                let names = trimmed.dropFirst().split(separator: " ").map(String.init)
                columns = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                continue
            }
            let fields = trimmed.split(separator: " ").map(String.init)
            if columns.isEmpty {
                guard fields.count == 1, Int(fields[0]) != nil else { throw HAProxyRuntimeError.unexpectedOutput(command: "show servers state", output: text) }
                continue  // the format version line
            }
            func field(_ name: String) -> String? {
                guard let index = columns[name], index < fields.count else { return nil }
                return fields[index]
            }
            guard let backend = field("be_name"), let name = field("srv_name"), let address = field("srv_addr"),
                  let port = field("srv_port").flatMap({ Int($0) }), let admin = field("srv_admin_state").flatMap({ Int($0) })
            else { throw HAProxyRuntimeError.unexpectedOutput(command: "show servers state", output: text) }
            result.append(HAProxyServerState(
                backend: backend, name: name, address: address, port: port, adminState: admin,
                operationalState: field("srv_op_state").flatMap { Int($0) } ?? 0
            ))
        }
        return result
    }
}

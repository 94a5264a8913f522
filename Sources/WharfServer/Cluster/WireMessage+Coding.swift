import Foundation
import WharfDiscovery
import WharfModel

/// Why a frame's body is not a message of the negotiated schema.
struct WireDecodingError: Error, CustomStringConvertible {
    var description: String
}

extension WireMessage {
    private enum Keys: String, CodingKey {
        case type
        // hello
        case `protocol`, versions, agentId, processId, token, agent, software, clock, followsCatalog, servesRoutes
        // welcome
        case version, heartbeatSeconds, timeoutSeconds, serverId, apiAddress, epoch, clusterId
        // catalog, routesApplied
        case catalog, index
        // refused
        case code, reason, leader
        // heartbeat
        case intervalSeconds
        // commands
        case instance, app, killGracePeriodSeconds, instanceId, gracePeriodSeconds, drainSeconds
        // reports
        case status, statuses, ports
        // logRead, logData
        case requestId, request, reply, problem
    }

    /// The JSON body of this message (without the frame's length prefix).
    func encoded() throws -> Data {
        try JSONEncoder().encode(Envelope(message: self))
    }

    /// Reads one frame body. Reports are attributed to `agentId`, the agent the session was opened
    /// for, whatever the body says.
    static func decode(_ body: Data, agentId: String) throws -> WireMessage {
        let decoder = JSONDecoder()
        decoder.userInfo[Envelope.agentIdKey] = agentId
        do {
            return try decoder.decode(Envelope.self, from: body).message
        } catch let error as WireDecodingError {
            throw error
        } catch let error as DecodingError {
            throw WireDecodingError(description: Self.describe(error))
        } catch {
            throw WireDecodingError(description: "not JSON: \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, context):
            return "missing field '\(Self.path(context.codingPath + [key]))'"
        case let .dataCorrupted(context) where context.codingPath.isEmpty:
            return "not JSON: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)"
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            let at = Self.path(context.codingPath)
            return (at.isEmpty ? "" : "field '\(at)': ") + context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// The `{"type": ..., fields...}` object of a message.
    private struct Envelope: Codable {
        static let agentIdKey = CodingUserInfoKey(rawValue: "wharf.wire.agentId")!
        var message: WireMessage

        init(message: WireMessage) {
            self.message = message
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(message.typeName, forKey: .type)
            switch message {
            case let .hello(hello):
                try c.encode(hello.protocol, forKey: .protocol)
                try c.encode(hello.versions, forKey: .versions)
                try c.encode(hello.agentId, forKey: .agentId)
                try c.encode(hello.processId, forKey: .processId)
                try c.encode(hello.token, forKey: .token)
                try c.encode(hello.agent, forKey: .agent)
                try c.encode(hello.software, forKey: .software)
                try c.encodeIfPresent(hello.clock, forKey: .clock)
                try c.encode(hello.followsCatalog, forKey: .followsCatalog)
                try c.encode(hello.servesRoutes, forKey: .servesRoutes)
            case let .welcome(welcome):
                try c.encode(welcome.version, forKey: .version)
                try c.encode(welcome.heartbeatSeconds, forKey: .heartbeatSeconds)
                try c.encode(welcome.timeoutSeconds, forKey: .timeoutSeconds)
                try c.encode(welcome.serverId, forKey: .serverId)
                try c.encode(welcome.apiAddress, forKey: .apiAddress)
                try c.encode(welcome.epoch, forKey: .epoch)
                try c.encode(welcome.clusterId, forKey: .clusterId)
            case let .refused(refusal):
                try c.encode(refusal.code, forKey: .code)
                try c.encode(refusal.reason, forKey: .reason)
                try c.encodeIfPresent(refusal.leader, forKey: .leader)
            case let .heartbeat(interval):
                try c.encodeIfPresent(interval, forKey: .intervalSeconds)
            case let .command(command, epoch):
                try c.encode(epoch, forKey: .epoch)
                try Self.encode(command, into: &c)
            case let .report(.registered(info)):
                try c.encode(info, forKey: .agent)
            case let .report(.status(_, status)):
                try c.encode(status, forKey: .status)
            case let .report(.fullState(_, statuses)):
                try c.encode(statuses, forKey: .statuses)
            case let .report(.portsInUse(_, ports)):
                try c.encode(ports, forKey: .ports)
            case let .report(.outputProblem(_, problem)):
                try c.encode(problem, forKey: .problem)
            case let .catalog(delta):
                try c.encode(delta, forKey: .catalog)
            case let .routesApplied(index):
                try c.encode(index, forKey: .index)
            case let .logRead(requestId, request):
                try c.encode(requestId, forKey: .requestId)
                try c.encode(request, forKey: .request)
            case let .logData(requestId, reply):
                try c.encode(requestId, forKey: .requestId)
                try c.encode(reply, forKey: .reply)
            case .encoded:
                throw EncodingError.invalidValue(message.typeName, .init(
                    codingPath: [], debugDescription: "an encoded frame is written as it is, not encoded again"))
            case .report(.unreachable):
                throw EncodingError.invalidValue(message.typeName, .init(
                    codingPath: [], debugDescription: "an unreachable report is made by the server's link, never sent"))
            }
        }

        /// A command's epoch; 0 when absent (a server without HA).
        private static func epoch(_ c: KeyedDecodingContainer<Keys>) throws -> Int64 {
            try c.decodeIfPresent(Int64.self, forKey: .epoch) ?? 0
        }

        /// The fields of a command (its `type` and `epoch` are written by the caller).
        private static func encode(_ command: AgentCommand, into c: inout KeyedEncodingContainer<Keys>) throws {
            switch command {
            case let .launch(launch):
                try c.encode(launch.instance, forKey: .instance)
                try c.encode(StoredApp(launch.app), forKey: .app)
                try c.encode(launch.killGracePeriodSeconds, forKey: .killGracePeriodSeconds)
            case let .kill(kill):
                try c.encode(kill.instanceId, forKey: .instanceId)
                try c.encode(kill.gracePeriodSeconds, forKey: .gracePeriodSeconds)
                try c.encode(kill.drainSeconds, forKey: .drainSeconds)
                try c.encode(kill.reason, forKey: .reason)
            case .reconcile:
                break
            }
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            let agentId = decoder.userInfo[Self.agentIdKey] as? String ?? ""
            let type = try c.decode(String.self, forKey: .type)
            switch type {
            case "hello":
                message = .hello(WireHello(
                    protocol: try c.decode(String.self, forKey: .protocol), versions: try c.decode([Int].self, forKey: .versions),
                    agentId: try c.decode(String.self, forKey: .agentId), processId: try c.decode(String.self, forKey: .processId),
                    token: try c.decode(String.self, forKey: .token), agent: try c.decode(AgentInfo.self, forKey: .agent),
                    software: try c.decodeIfPresent(String.self, forKey: .software) ?? "unknown",
                    clock: try c.decodeIfPresent(Timestamp.self, forKey: .clock),
                    followsCatalog: try c.decodeIfPresent(Bool.self, forKey: .followsCatalog) ?? false,
                    servesRoutes: try c.decodeIfPresent(Bool.self, forKey: .servesRoutes) ?? false))
            case "welcome":
                message = .welcome(WireWelcome(
                    version: try c.decode(Int.self, forKey: .version),
                    heartbeatSeconds: try c.decode(Double.self, forKey: .heartbeatSeconds),
                    timeoutSeconds: try c.decode(Double.self, forKey: .timeoutSeconds),
                    serverId: try c.decode(String.self, forKey: .serverId),
                    apiAddress: try c.decodeIfPresent(String.self, forKey: .apiAddress) ?? "",
                    epoch: try c.decodeIfPresent(Int64.self, forKey: .epoch) ?? 0,
                    clusterId: try c.decodeIfPresent(String.self, forKey: .clusterId) ?? ""))
            case "refused":
                let reason = try c.decode(String.self, forKey: .reason)
                // A code of a newer server reads as a bad hello: fatal, with its reason shown.
                let code = (try? c.decode(WireRefusal.Code.self, forKey: .code)) ?? .badHello
                message = .refused(WireRefusal(code: code, reason: reason, leader: try c.decodeIfPresent(String.self, forKey: .leader)))
            case "heartbeat":
                message = .heartbeat(intervalSeconds: try c.decodeIfPresent(Double.self, forKey: .intervalSeconds))
            case "launch":
                let app = try c.decode(StoredApp.self, forKey: .app).definition
                message = .command(.launch(LaunchTask(
                    instance: try c.decode(Instance.self, forKey: .instance), app: app,
                    killGracePeriodSeconds: try c.decode(Double.self, forKey: .killGracePeriodSeconds))), epoch: try Self.epoch(c))
            case "kill":
                message = .command(.kill(KillTask(
                    instanceId: try c.decode(String.self, forKey: .instanceId),
                    gracePeriodSeconds: try c.decode(Double.self, forKey: .gracePeriodSeconds),
                    drainSeconds: try c.decode(Double.self, forKey: .drainSeconds),
                    reason: try c.decode(String.self, forKey: .reason))), epoch: try Self.epoch(c))
            case "reconcile":
                message = .command(.reconcile, epoch: try Self.epoch(c))
            case "registered":
                var info = try c.decode(AgentInfo.self, forKey: .agent)
                info.id = agentId
                message = .report(.registered(info))
            case "status":
                message = .report(.status(agentId: agentId, try c.decode(TaskStatus.self, forKey: .status)))
            case "fullState":
                message = .report(.fullState(agentId: agentId, try c.decode([TaskStatus].self, forKey: .statuses)))
            case "portsInUse":
                message = .report(.portsInUse(agentId: agentId, try c.decode([Int].self, forKey: .ports)))
            case "outputProblem":
                message = .report(.outputProblem(agentId: agentId, try c.decode(TaskOutputProblem.self, forKey: .problem)))
            case "catalog":
                message = .catalog(try c.decode(CatalogDelta.self, forKey: .catalog))
            case "routesApplied":
                message = .routesApplied(index: try c.decode(UInt64.self, forKey: .index))
            case "logRead":
                message = .logRead(requestId: try c.decode(UInt64.self, forKey: .requestId), try c.decode(TaskLogRequest.self, forKey: .request))
            case "logData":
                message = .logData(requestId: try c.decode(UInt64.self, forKey: .requestId), try c.decode(TaskLogReply.self, forKey: .reply))
            default:
                throw WireDecodingError(description: "unknown message type '\(type)'")
            }
        }
    }
}

import Foundation
import NIOCore
import WharfDiscovery
import WharfModel

/// One message on the agent link (`wharf agent` ↔ `wharf server`), in the link's own versioned wire
/// schema — not the Marathon JSON of the public API, and not the Swift types' synthesized coding:
/// each message is a JSON object whose `type` names the case, with the fields listed per case.
///
/// Version 1 (``WireProtocol/versions``):
///
/// | type | direction | fields |
/// |---|---|---|
/// | `hello` | agent → server, first frame | ``WireHello`` |
/// | `welcome` | server → agent, answer to hello | ``WireWelcome`` |
/// | `refused` | server → agent, answer to hello, then the server closes | ``WireRefusal`` |
/// | `heartbeat` | both ways, every interval | `intervalSeconds` (server → agent: the interval to keep) |
/// | `launch`, `kill`, `reconcile` | server → agent | an ``AgentCommand``, and `epoch`: the leader's epoch (0 without HA) |
/// | `registered`, `status`, `fullState`, `portsInUse` | agent → server | an ``AgentReport`` (the agent id is the session's) |
/// | `catalog` | server → agent, after the welcome and on every catalog change | a ``CatalogDelta`` (a full copy first) |
/// | `routesApplied` | agent → server | `index`: the catalog index the agent's edge router now serves |
///
/// Version 2 adds:
///
/// | type | direction | fields |
/// |---|---|---|
/// | `logRead` | server → agent | `requestId`, `request`: a ``TaskLogRequest`` |
/// | `logData` | agent → server, one per `logRead` | `requestId`, `reply`: a ``TaskLogReply`` (bytes in base64) |
/// | `outputProblem` | agent → server | `problem`: a ``TaskOutputProblem`` |
///
/// A type this version does not define is malformed: new message types come with a new protocol
/// version that both sides must offer in the handshake, so that an older peer is refused clearly
/// rather than sent what it cannot read.
enum WireMessage: Sendable, Equatable {
    case hello(WireHello)
    case welcome(WireWelcome)
    case refused(WireRefusal)
    /// Sent both ways every interval; any message counts as a sign of life. From the server it also
    /// carries the interval the agent should keep (it grows with the number of agents).
    case heartbeat(intervalSeconds: Double?)
    /// A command from the control plane, stamped with the epoch of the leader that sent it: an agent
    /// that has seen a higher epoch rejects it (fencing of deposed leaders).
    case command(AgentCommand, epoch: Int64)
    /// A report from the agent; its agent id is the one the session was opened for.
    case report(AgentReport)
    /// The control plane's catalog, as changes since the previous one on this connection (the first
    /// is a full copy): what the agent's router, DNS server and Consul API serve.
    case catalog(CatalogDelta)
    /// The agent's edge router serves the catalog up to this index: kills waiting for every router
    /// to drop an instance may go on.
    case routesApplied(index: UInt64)
    /// A read of task output for the log API (version 2); answered by one `logData`.
    case logRead(requestId: UInt64, TaskLogRequest)
    /// The answer to the `logRead` of `requestId` (version 2).
    case logData(requestId: UInt64, TaskLogReply)
    /// A message of type `type` already encoded as a whole frame (a `catalog` delta shared by many
    /// connections): written as it is; never read.
    case encoded(type: String, frame: ByteBuffer)

    /// The `type` field of the message, for logs.
    var typeName: String {
        switch self {
        case .hello: "hello"
        case .welcome: "welcome"
        case .refused: "refused"
        case .heartbeat: "heartbeat"
        case .command(.launch, _): "launch"
        case .command(.kill, _): "kill"
        case .command(.reconcile, _): "reconcile"
        case .report(.registered): "registered"
        case .report(.status): "status"
        case .report(.fullState): "fullState"
        case .report(.portsInUse): "portsInUse"
        case .report(.unreachable): "unreachable"
        case .report(.outputProblem): "outputProblem"
        case .catalog: "catalog"
        case .routesApplied: "routesApplied"
        case .logRead: "logRead"
        case .logData: "logData"
        case let .encoded(type, _): type
        }
    }
}

/// The agent's first frame: who it is, what it speaks, its credentials and its offer.
struct WireHello: Codable, Sendable, Equatable {
    /// Always ``WireProtocol/name``; anything else is not a Wharf agent.
    var `protocol`: String
    /// Protocol versions the agent speaks.
    var versions: [Int]
    /// The agent's stable id (kept in its data dir).
    var agentId: String
    /// A random id of this agent process, so that a reconnect of the same process replaces its
    /// stale connection while another process claiming the same agent id is refused.
    var processId: String
    /// The shared cluster token (`--token`).
    var token: String
    /// What the agent offers (its `id` is `agentId`).
    var agent: AgentInfo
    /// The `wharf` version of the agent, for logs.
    var software: String
    /// The agent's wall clock when it sent the hello (the server logs and shows a large offset:
    /// timestamps in task statuses come from it).
    var clock: Timestamp?
    /// Whether the agent serves the catalog (a router, DNS server or Consul API): only then is it
    /// sent `catalog` messages.
    var followsCatalog: Bool = false
    /// Whether the agent runs an edge router that follows the catalog: kills then wait (bounded)
    /// until its `routesApplied` shows the instance out of its table.
    var servesRoutes: Bool = false
}

/// The server's acceptance of a hello.
struct WireWelcome: Codable, Sendable, Equatable {
    /// The protocol version both sides use from now on.
    var version: Int
    /// Seconds between heartbeats (each side sends one per interval).
    var heartbeatSeconds: Double
    /// Silence after which each side gives the other up (the server's `--agent-timeout`).
    var timeoutSeconds: Double
    /// A random id of this server process: a new one tells the agent the server restarted.
    var serverId: String
    /// `host:port` of the server's HTTP API (the leader the agent's Consul API names); empty when
    /// the server does not say.
    var apiAddress: String = ""
    /// The leader's epoch (the create revision of its election key in etcd; 0 for a server without
    /// HA). An agent refuses a welcome, and commands, of an epoch lower than the highest it has seen.
    var epoch: Int64 = 0
    /// The HA cluster's id (`<prefix>cluster` in etcd); empty for a server without HA. An agent
    /// stays with the first cluster that welcomed it.
    var clusterId: String = ""
}

/// Why the server turned an agent away (it closes the connection after sending this).
struct WireRefusal: Error, Codable, Sendable, Equatable {
    /// Machine-readable cause.
    enum Code: String, Codable, Sendable {
        /// The token does not match the server's: retrying cannot help.
        case badToken
        /// No protocol version in common: retrying cannot help until one side is upgraded.
        case versionMismatch
        /// Another live agent process holds this agent id: retried, since it may be a stale
        /// connection the server has not given up yet.
        case duplicateAgent
        /// The hello was not valid (empty id, mismatched ids).
        case badHello
        /// This server is not the leader of its cluster: the agent dials `leader` (or, when it is
        /// not known yet, the next server of its list).
        case notLeader
    }

    var code: Code
    /// What the operator should know and do, as logged on both sides.
    var reason: String
    /// With `notLeader`: the leader's agent port (`host:port`), when known.
    var leader: String?

    /// Whether the agent should give up (exit) rather than retry.
    var isFatal: Bool { code == .badToken || code == .versionMismatch || code == .badHello }
}

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WharfModel

/// `/v2/info`, `/v2/leader` and `/ping` (`InfoResource.scala`, `LeaderResource.scala`,
/// `SystemResource.scala`).
enum SystemRoutes {
    /// The Marathon version Wharf answers as: clients that check versions (marathon-python's event
    /// stream needs ≥ 0.11) see the API level Wharf implements.
    static let marathonVersion = "1.10.0"
    /// Carries the isolation note of `/v2/info` for tools that read headers.
    static let isolationHeader = HTTPField.Name("X-Wharf-Isolation")!

    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v2/info", tag: "info", summary: "Server version, leader and configuration.",
                      responses: [(200, "Marathon's info object.")], handler: info),
        MarathonRoute(.get, "/v2/leader", tag: "leader", summary: "The current leader.",
                      responses: [(200, "{\"leader\":\"host:port\"}")], handler: leader),
        MarathonRoute(.delete, "/v2/leader", tag: "leader",
                      summary: "Ask the leader to abdicate (a single server keeps leading).",
                      parameters: [.init("backup", .string, "Accepted for compatibility; ignored."),
                                   .init("restore", .string, "Accepted for compatibility; ignored.")],
                      responses: [(200, "{\"message\":\"Leadership abdicated\"}")], handler: abdicate),
        MarathonRoute(.get, "/ping", tag: "system", summary: "Liveness check: `pong`.",
                      responses: [(200, "pong (text/plain, or the JSON string when the client accepts only JSON)")],
                      handler: ping),
    ]

    static func leaderAddress(_ configuration: ServerConfiguration) -> String {
        "\(configuration.advertisedHost):\(configuration.apiPort)"
    }

    /// `GET /v2/info` (`InfoResource.scala`): every key Marathon 1.10 writes in `marathon_config`
    /// and `http_config`, with Wharf's value where it has the setting and null where it has none
    /// (Mesos- and offer-specific settings), as Marathon writes an unset option. `zookeeper_config`
    /// has only `zk_max_versions`: Wharf has no ZooKeeper. Wharf's own facts go into `buildref`
    /// (and the `X-Wharf-Isolation` header): the isolation, and stored records that cannot be read with
    /// the apps quarantined because of them; marathon-python's `MarathonInfo` accepts every key.
    static func info(_ call: MarathonCall) async throws -> Response {
        let configuration = call.controlPlane.configuration
        let note = call.controlPlane.isolationNote
        let quarantine = await call.controlPlane.currentState().quarantine.summary.map { "; \($0)" } ?? ""
        var w = JSONWriter(capacity: 2048)
        w.beginObject()
        w.key("name"); w.string("marathon")
        w.key("version"); w.string(marathonVersion)
        let ha = call.controlPlane.leadership.map { leadership in
            let status = leadership.current
            return "; store: etcd \(leadership.ha.endpoints.joined(separator: ",")) prefix \(leadership.ha.prefix); "
                + "leader epoch \(status.leaderEpoch.map(String.init) ?? "-")"
        } ?? "; store: sqlite"
        w.key("buildref"); w.string("wharf; resource isolation: \(note)\(quarantine)\(ha)")
        // Answered by the leader (followers proxy /v2/info to it).
        w.key("elected"); w.bool(true)
        w.key("leader"); w.string(call.controlPlane.leadership?.record.apiAddress ?? leaderAddress(configuration))
        w.key("frameworkId"); w.string("wharf-\(call.controlPlane.startedAt.millis)")
        w.key("marathon_config")
        writeMarathonConfig(configuration, ha: call.controlPlane.leadership?.ha, into: &w)
        w.key("zookeeper_config")
        w.beginObject()
        w.key("zk_max_versions"); w.int(configuration.maxVersionsPerApp)
        w.endObject()
        w.key("http_config")
        w.beginObject()
        w.key("http_port"); w.int(configuration.apiPort)
        w.key("https_port"); w.null()
        w.endObject()
        w.endObject()
        var headers = HTTPFields()
        headers[isolationHeader] = String(note.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7f }.map(Character.init))
        return MarathonResponse.json(w.bytes, headers: headers)
    }

    /// Marathon settings Wharf has no counterpart of (offers, Mesos, leader proxying, launch
    /// tokens, ...): written as null, as Marathon writes an option that is not set.
    static let unsetMarathonSettings = [
        "access_control_allow_origin", "decline_offer_duration", "default_network_name", "env_vars_prefix",
        "launch_token", "launch_token_refresh_interval", "leader_proxy_connection_timeout_ms",
        "leader_proxy_read_timeout_ms", "max_instances_per_offer", "mesos_bridge_name",
        "mesos_heartbeat_failure_threshold", "mesos_heartbeat_interval", "mesos_leader_ui_url",
        "min_revive_offers_interval", "offer_matching_timeout", "on_elected_prepare_timeout",
        "reconciliation_initial_delay", "scale_apps_initial_delay", "scale_apps_interval", "store_cache",
        "task_launch_confirm_timeout", "task_reservation_timeout", "webui_url",
    ]

    /// `marathon_config`: the keys of Marathon's `InfoResource.marathonConfigValues`, sorted by name.
    private static func writeMarathonConfig(_ configuration: ServerConfiguration, ha: HAConfiguration?, into w: inout JSONWriter) {
        var values: [(String, (inout JSONWriter) -> Void)] = [
            ("checkpoint", { $0.bool(true) }),
            ("executor", { $0.string("//cmd") }),
            ("failover_timeout", { $0.int(604_800) }),
            ("features", { $0.emptyArray() }),
            ("framework_name", { $0.string("marathon") }),
            ("ha", { $0.bool(ha != nil) }),
            ("hostname", { $0.string(configuration.advertisedHost) }),
            ("local_port_max", { $0.int(configuration.servicePorts.end) }),
            ("local_port_min", { $0.int(configuration.servicePorts.begin) }),
            ("maintenance_mode", { $0.bool(false) }),
            ("master", { $0.string(ha.map { "etcd://" + $0.endpoints.map { $0.replacingOccurrences(of: "http://", with: "") }.joined(separator: ",") + $0.prefix } ?? "local") }),
            ("mesos_role", { $0.string(TaskRoles.defaultRole) }),
            ("mesos_user", { $0.string(ProcessInfo.processInfo.userName) }),
            ("new_group_enforce_role", { $0.string("off") }),
            ("reconciliation_interval", { $0.int(Int(configuration.resyncIntervalSeconds * 1000)) }),
            ("task_launch_timeout", { $0.int(300_000) }),
            // Instances of an agent that stays away are declared gone after this long, checked every pass.
            ("task_lost_expunge_initial_delay", { $0.int(Int(configuration.agentReregistrationSeconds * 1000)) }),
            ("task_lost_expunge_interval", { $0.int(Int(configuration.resyncIntervalSeconds * 1000)) }),
        ]
        for name in unsetMarathonSettings { values.append((name, { $0.null() })) }
        w.beginObject()
        for (name, write) in values.sorted(by: { $0.0 < $1.0 }) {
            w.key(name)
            write(&w)
        }
        w.endObject()
    }

    /// `GET /v2/leader`.
    static func leader(_ call: MarathonCall) async throws -> Response {
        leaderResponse(address: leaderAddress(call.controlPlane.configuration))
    }

    /// `DELETE /v2/leader`: answered as Marathon does; one server has nobody to hand over to.
    static func abdicate(_ call: MarathonCall) async throws -> Response {
        abdicatedResponse()
    }

    /// `GET /v2/leader`'s answer naming `address` (`host:port`).
    static func leaderResponse(address: String) -> Response {
        var w = JSONWriter(capacity: 64)
        w.beginObject()
        w.key("leader"); w.string(address)
        w.endObject()
        return MarathonResponse.json(w.bytes)
    }

    /// `DELETE /v2/leader`'s answer on the leader.
    static func abdicatedResponse() -> Response {
        var w = JSONWriter(capacity: 64)
        w.beginObject()
        w.key("message"); w.string("Leadership abdicated")
        w.endObject()
        return MarathonResponse.json(w.bytes)
    }

    /// `/v2/leader`'s answer while no leader is known (`LeaderResource`): 404.
    static func noLeaderResponse() -> Response {
        MarathonResponse.error(.notFound("There is no leader"))
    }

    /// `GET /ping`: `pong` as text, or `"pong"` as JSON when the client prefers JSON.
    static func ping(_ call: MarathonCall) async throws -> Response {
        switch PingFormat.negotiate(accept: call.request.headers[.accept]) {
        case .json:
            return MarathonResponse.json(Array("\"pong\"".utf8))
        case .text:
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "pong")))
        case .notAcceptable:
            return MarathonResponse.empty(204)
        }
    }
}

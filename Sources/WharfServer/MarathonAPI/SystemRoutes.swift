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

    /// `GET /v2/info`. Only keys marathon-python's `MarathonInfo` / `MarathonConfig` /
    /// `MarathonZooKeeperConfig` / `MarathonHttpConfig` accept are written (it rejects any other),
    /// so Wharf's own facts go into `buildref` (and the `X-Wharf-Isolation` header): the isolation,
    /// and stored records that cannot be read with the apps quarantined because of them.
    static func info(_ call: MarathonCall) async throws -> Response {
        let configuration = call.controlPlane.configuration
        let note = call.controlPlane.isolationNote
        let quarantine = await call.controlPlane.currentState().quarantine.summary.map { "; \($0)" } ?? ""
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("name"); w.string("marathon")
        w.key("version"); w.string(marathonVersion)
        w.key("buildref"); w.string("wharf; resource isolation: \(note)\(quarantine)")
        w.key("elected"); w.bool(true)
        w.key("leader"); w.string(leaderAddress(configuration))
        w.key("frameworkId"); w.string("wharf-\(call.controlPlane.startedAt.millis)")
        w.key("marathon_config")
        w.beginObject()
        w.key("checkpoint"); w.bool(true)
        w.key("executor"); w.string("//cmd")
        w.key("failover_timeout"); w.int(604_800)
        w.key("features"); w.emptyArray()
        w.key("framework_name"); w.string("marathon")
        w.key("ha"); w.bool(false)
        w.key("hostname"); w.string(configuration.advertisedHost)
        w.key("local_port_min"); w.int(configuration.servicePorts.begin)
        w.key("local_port_max"); w.int(configuration.servicePorts.end)
        w.key("master"); w.string("local")
        w.key("mesos_role"); w.string("*")
        w.key("reconciliation_interval"); w.int(Int(configuration.resyncIntervalSeconds * 1000))
        w.key("task_launch_timeout"); w.int(300_000)
        w.endObject()
        w.key("zookeeper_config")
        w.beginObject()
        w.key("zk_max_versions"); w.int(configuration.maxVersionsPerApp)
        w.endObject()
        w.key("http_config")
        w.beginObject()
        w.key("http_port"); w.int(configuration.apiPort)
        w.endObject()
        w.endObject()
        var headers = HTTPFields()
        headers[isolationHeader] = String(note.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7f }.map(Character.init))
        return MarathonResponse.json(w.bytes, headers: headers)
    }

    /// `GET /v2/leader`.
    static func leader(_ call: MarathonCall) async throws -> Response {
        var w = JSONWriter(capacity: 64)
        w.beginObject()
        w.key("leader"); w.string(leaderAddress(call.controlPlane.configuration))
        w.endObject()
        return MarathonResponse.json(w.bytes)
    }

    /// `DELETE /v2/leader`: answered as Marathon does; one server has nobody to hand over to.
    static func abdicate(_ call: MarathonCall) async throws -> Response {
        var w = JSONWriter(capacity: 64)
        w.beginObject()
        w.key("message"); w.string("Leadership abdicated")
        w.endObject()
        return MarathonResponse.json(w.bytes)
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

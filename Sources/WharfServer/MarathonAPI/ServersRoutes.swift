import Hummingbird
import WharfModel

/// `/v1/wharf/servers`: the control-plane servers, their role and last contact (`wharf server
/// members`). Answered by the leader (followers proxy it); a single `wharf server` or `wharf dev`
/// lists itself as leader.
enum ServersRoutes {
    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v1/wharf/servers", tag: "servers",
                      summary: "Wharf: every control-plane server with its API and agent addresses, role (leader or follower), start time and last contact, plus the store and the leader's epoch.",
                      responses: [(200, "{\"store\": ..., \"epoch\": n, \"servers\": [Server]}")], handler: list),
    ]

    static func list(_ call: MarathonCall) async throws -> Response {
        let controlPlane = call.controlPlane
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        guard let leadership = controlPlane.leadership else {
            let address = SystemRoutes.leaderAddress(controlPlane.configuration)
            w.key("store"); w.string("sqlite")
            w.key("epoch"); w.int(0)
            w.key("servers")
            w.beginArray()
            w.beginObject()
            w.key("id"); w.string("local")
            w.key("apiAddress"); w.string(address)
            w.key("role"); w.string("leader")
            w.key("startedAt"); w.timestamp(controlPlane.startedAt)
            w.key("lastContact"); w.timestamp(.now())
            w.endObject()
            w.endArray()
            w.endObject()
            return MarathonResponse.json(w.bytes)
        }
        let members: [ServerRecord]
        do {
            members = try await leadership.members()
        } catch {
            throw ControlPlaneError(storeFailure: error)
        }
        let status = leadership.current
        let leaderId = status.leader?.id
        w.key("store"); w.string("etcd")
        w.key("endpoints"); w.stringArray(leadership.ha.endpoints)
        w.key("prefix"); w.string(leadership.ha.prefix)
        w.key("clusterId"); w.string(status.clusterId ?? "")
        w.key("epoch"); w.int64(status.leaderEpoch ?? 0)
        w.key("leaseTTLSeconds"); w.int64(leadership.ha.leaseTTLSeconds)
        w.key("servers")
        w.beginArray()
        for member in members.sorted(by: { ($0.id == leaderId ? 0 : 1, $0.apiAddress) < ($1.id == leaderId ? 0 : 1, $1.apiAddress) }) {
            w.beginObject()
            w.key("id"); w.string(member.id)
            w.key("apiAddress"); w.string(member.apiAddress)
            w.key("agentAddress"); w.string(member.agentAddress)
            w.key("role"); w.string(member.id == leaderId ? "leader" : "follower")
            w.key("startedAt"); w.timestamp(member.startedAt)
            w.key("lastContact")
            if let contact = member.lastContact { w.timestamp(contact) } else { w.null() }
            w.key("software"); w.string(member.software)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return MarathonResponse.json(w.bytes)
    }
}

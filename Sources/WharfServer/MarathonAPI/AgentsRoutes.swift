import Hummingbird
import WharfModel

/// `/v1/wharf/agents`: the cluster's agents with their resources and status, and draining
/// (`wharf node list|show|drain|eligible`; Nomad's `/v1/nodes` and node drain/eligibility).
enum AgentsRoutes {
    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v1/wharf/agents", tag: "agents",
                      summary: "Wharf: every agent with address, attributes, resources total and used, status (ready, registering, draining, unreachable), last report, instance count and the catalog index its router serves.",
                      responses: [(200, "{\"agents\": [Agent]}")], handler: list),
        MarathonRoute(.get, "/v1/wharf/agents/{agent}", tag: "agents", summary: "Wharf: one agent.",
                      responses: [(200, "{\"agent\": Agent}"), (404, "Unknown agent")], handler: show),
        MarathonRoute(.post, "/v1/wharf/agents/{agent}/drain", tag: "agents",
                      summary: "Wharf: mark an agent unschedulable and move its instances to other agents, each app within its upgradeStrategy (a replacement serves before the instance it replaces is killed).",
                      responses: [(200, "{\"agent\": Agent}"), (404, "Unknown agent")], handler: { try await drain($0, true) }),
        MarathonRoute(.post, "/v1/wharf/agents/{agent}/eligible", tag: "agents",
                      summary: "Wharf: end an agent's drain; new instances may be placed on it again (nothing moves back by itself).",
                      responses: [(200, "{\"agent\": Agent}"), (404, "Unknown agent")], handler: { try await drain($0, false) }),
    ]

    static func list(_ call: MarathonCall) async throws -> Response {
        let nodes = await call.controlPlane.agentNodes()
        var w = JSONWriter(capacity: 256 * (nodes.count + 1))
        w.beginObject()
        w.key("agents")
        w.beginArray()
        for node in nodes { write(node, into: &w) }
        w.endArray()
        w.endObject()
        return MarathonResponse.json(w.bytes)
    }

    static func show(_ call: MarathonCall) async throws -> Response {
        do {
            return single(try await call.controlPlane.agentNode(named: call.parameter("agent")))
        } catch {
            throw MarathonHTTPError.notFound(error.description)
        }
    }

    static func drain(_ call: MarathonCall, _ draining: Bool) async throws -> Response {
        do {
            return single(try await call.controlPlane.setDraining(call.parameter("agent"), draining))
        } catch let error as NodeCommandError {
            throw MarathonHTTPError.notFound(error.description)
        }
    }

    private static func single(_ node: AgentNode) -> Response {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key("agent")
        write(node, into: &w)
        w.endObject()
        return MarathonResponse.json(w.bytes)
    }

    static func write(_ node: AgentNode, into w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(node.id)
        w.key("status"); w.string(node.status.rawValue)
        w.key("eligible"); w.bool(node.drain == nil)
        if let info = node.info {
            w.key("address"); w.string(info.host)
            w.key("attributes")
            w.beginObject()
            for (name, value) in info.attributes.sorted(by: { $0.key < $1.key }) {
                w.key(name); w.string(value)
            }
            w.endObject()
            w.key("runtimes"); w.stringArray(info.runtimes)
            w.key("isolation"); w.string(info.isolation)
            w.key("portRanges"); w.stringArray(info.portRanges.map(\.description))
        }
        w.key("resources")
        w.beginObject()
        if let info = node.info {
            w.key("total"); write(info.capacity, into: &w)
        }
        w.key("used"); write(node.used, into: &w)
        w.endObject()
        w.key("instances"); w.int(node.instances)
        if let drain = node.drain {
            w.key("drainingSince"); w.timestamp(drain.since)
        }
        if let seen = node.lastSeen {
            w.key("lastSeen"); w.timestamp(seen)
        }
        if let index = node.routerIndex {
            w.key("routerIndex"); w.int(Int(clamping: index))
        }
        if let connection = node.connection {
            w.key("connectedFrom"); w.string(connection.address)
            if let offset = connection.clockOffsetSeconds { w.key("clockOffsetSeconds"); w.double(offset) }
        }
        let warnings = node.warnings
        if !warnings.isEmpty { w.key("warnings"); w.stringArray(warnings) }
        w.endObject()
    }

    private static func write(_ resources: Resources, into w: inout JSONWriter) {
        w.beginObject()
        w.key("cpus"); w.double(resources.cpus)
        w.key("mem"); w.double(resources.mem)
        w.key("disk"); w.double(resources.disk)
        w.endObject()
    }
}

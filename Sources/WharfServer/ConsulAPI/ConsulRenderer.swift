import WharfDiscovery
import WharfModel

/// Renders catalog snapshots as Consul's JSON, with its exact field names and types (the Go
/// client decodes strictly by type: string maps stay string maps, ports are integers).
struct ConsulRenderer {
    let snapshot: CatalogSnapshot

    /// `/v1/catalog/services`: name → union of tags.
    func services() -> [UInt8] {
        var w = JSONWriter(capacity: 256 + snapshot.services.count * 48)
        w.beginObject()
        for name in snapshot.services.keys.sorted() {
            w.key(name)
            w.stringArray(snapshot.services[name]!.tags)
        }
        w.endObject()
        return w.bytes
    }

    /// `/v1/catalog/service/{name}`: one flat entry per endpoint.
    func catalogService(_ entry: ServiceEntry?, tags: [String]) -> [UInt8] {
        var w = JSONWriter(capacity: 1024)
        w.beginArray()
        for (service, endpoint) in endpoints(of: entry, tags: tags, passingOnly: false) {
            let node = node(named: endpoint.node, fallbackAddress: endpoint.address)
            w.beginObject()
            writeNodeFields(node, metaKey: "NodeMeta", into: &w)
            w.key("ServiceKind"); w.string("")
            w.key("ServiceID"); w.string(Self.serviceId(service, endpoint))
            w.key("ServiceName"); w.string(service.name)
            w.key("ServiceTags"); w.stringArray(service.tags)
            w.key("ServiceAddress"); w.string(endpoint.address)
            w.key("ServiceTaggedAddresses"); taggedAddresses(endpoint, into: &w)
            w.key("ServiceWeights"); weights(into: &w)
            w.key("ServiceMeta"); w.stringMap(meta(service, endpoint))
            w.key("ServicePort"); w.int(endpoint.port)
            w.key("ServiceSocketPath"); w.string("")
            w.key("ServiceEnableTagOverride"); w.bool(false)
            w.key("ServiceProxy"); w.raw(#"{"Mode":"","MeshGateway":{},"Expose":{}}"#.utf8)
            w.key("ServiceConnect"); w.raw("{}".utf8)
            w.key("CreateIndex"); w.int64(Int64(entry?.createIndex ?? 0))
            w.key("ModifyIndex"); w.int64(Int64(entry?.modifyIndex ?? 0))
            w.endObject()
        }
        w.endArray()
        return w.bytes
    }

    /// `/v1/health/service/{name}`: node, service and checks per endpoint.
    func healthService(_ entry: ServiceEntry?, tags: [String], passingOnly: Bool) -> [UInt8] {
        var w = JSONWriter(capacity: 2048)
        w.beginArray()
        for (service, endpoint) in endpoints(of: entry, tags: tags, passingOnly: passingOnly) {
            let node = node(named: endpoint.node, fallbackAddress: endpoint.address)
            let create = Int64(entry?.createIndex ?? 0), modify = Int64(entry?.modifyIndex ?? 0)
            w.beginObject()
            w.key("Node"); writeNode(node, into: &w)
            w.key("Service")
            w.beginObject()
            w.key("ID"); w.string(Self.serviceId(service, endpoint))
            w.key("Service"); w.string(service.name)
            w.key("Tags"); w.stringArray(service.tags)
            w.key("Address"); w.string(endpoint.address)
            w.key("TaggedAddresses"); taggedAddresses(endpoint, into: &w)
            w.key("Meta"); w.stringMap(meta(service, endpoint))
            w.key("Port"); w.int(endpoint.port)
            w.key("Weights"); weights(into: &w)
            w.key("EnableTagOverride"); w.bool(false)
            w.key("Proxy"); w.raw(#"{"Mode":"","MeshGateway":{},"Expose":{}}"#.utf8)
            w.key("Connect"); w.raw("{}".utf8)
            w.key("CreateIndex"); w.int64(create)
            w.key("ModifyIndex"); w.int64(modify)
            w.endObject()
            w.key("Checks")
            w.beginArray()
            check(node: node.name, id: "serfHealth", name: "Serf Health Status", status: "passing",
                  output: "Agent alive and reachable", service: nil, endpoint: nil, create: create, modify: modify, into: &w)
            check(node: node.name, id: "service:\(Self.serviceId(service, endpoint))", name: "Service '\(service.name)' check",
                  status: endpoint.health.rawValue, output: endpoint.output, service: service, endpoint: endpoint,
                  create: create, modify: modify, into: &w)
            w.endArray()
            w.endObject()
        }
        w.endArray()
        return w.bytes
    }

    /// `/v1/catalog/nodes`.
    func nodes() -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.beginArray()
        for name in snapshot.nodes.keys.sorted() { writeNode(snapshot.nodes[name]!, into: &w) }
        w.endArray()
        return w.bytes
    }

    /// Unique per node, as Consul requires: the instance id, plus `:<port name or index>` for ports
    /// after the first.
    static func serviceId(_ service: CatalogService, _ endpoint: CatalogEndpoint) -> String {
        guard let index = service.portIndex, index > 0 else { return endpoint.instanceId }
        return "\(endpoint.instanceId):\(service.portName ?? String(index))"
    }

    /// Consul node ids are UUIDs; Wharf's are agent names, so a stable UUID-shaped id is derived.
    static func nodeId(_ name: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in name.utf8 {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x100_0000_01b3 &+ 0x9e37_79b9_7f4a_7c15
        }
        let hex = String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(16)
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }

    private func endpoints(of entry: ServiceEntry?, tags: [String], passingOnly: Bool) -> [(CatalogService, CatalogEndpoint)] {
        guard let entry else { return [] }
        var result: [(CatalogService, CatalogEndpoint)] = []
        for service in entry.parts where tags.allSatisfy(service.tags.contains) {
            for endpoint in service.endpoints where !passingOnly || endpoint.health == .passing {
                result.append((service, endpoint))
            }
        }
        return result
    }

    private func node(named name: String, fallbackAddress: String) -> CatalogNode {
        snapshot.nodes[name] ?? CatalogNode(name: name, address: fallbackAddress)
    }

    private func writeNode(_ node: CatalogNode, into w: inout JSONWriter) {
        w.beginObject()
        writeNodeFields(node, metaKey: "Meta", into: &w)
        w.key("CreateIndex"); w.int64(Int64(snapshot.nodesIndex))
        w.key("ModifyIndex"); w.int64(Int64(snapshot.nodesIndex))
        w.endObject()
    }

    /// `ID`, `Node`, `Address`, `Datacenter`, `TaggedAddresses` and the node's meta under `metaKey`
    /// (`Meta` in node objects, `NodeMeta` in flat catalog entries).
    private func writeNodeFields(_ node: CatalogNode, metaKey: String, into w: inout JSONWriter) {
        w.key("ID"); w.string(Self.nodeId(node.name))
        w.key("Node"); w.string(node.name)
        w.key("Address"); w.string(node.address)
        w.key("Datacenter"); w.string(snapshot.datacenter)
        w.key("TaggedAddresses"); w.stringMap(["lan": node.address, "lan_ipv4": node.address, "wan": node.address, "wan_ipv4": node.address])
        w.key(metaKey); w.stringMap(node.meta)
    }

    private func meta(_ service: CatalogService, _ endpoint: CatalogEndpoint) -> [String: String] {
        var meta = service.meta
        meta["marathon_app_id"] = service.appId.description
        meta["marathon_task_id"] = endpoint.taskId
        return meta
    }

    private func taggedAddresses(_ endpoint: CatalogEndpoint, into w: inout JSONWriter) {
        w.beginObject()
        for key in ["lan_ipv4", "wan_ipv4"] {
            w.key(key)
            w.beginObject()
            w.key("Address"); w.string(endpoint.address)
            w.key("Port"); w.int(endpoint.port)
            w.endObject()
        }
        w.endObject()
    }

    private func weights(into w: inout JSONWriter) {
        w.raw(#"{"Passing":1,"Warning":1}"#.utf8)
    }

    private func check(node: String, id: String, name: String, status: String, output: String, service: CatalogService?,
                       endpoint: CatalogEndpoint?, create: Int64, modify: Int64, into w: inout JSONWriter) {
        w.beginObject()
        w.key("Node"); w.string(node)
        w.key("CheckID"); w.string(id)
        w.key("Name"); w.string(name)
        w.key("Status"); w.string(status)
        w.key("Notes"); w.string("")
        w.key("Output"); w.string(output)
        w.key("ServiceID"); w.string(service.flatMap { s in endpoint.map { Self.serviceId(s, $0) } } ?? "")
        w.key("ServiceName"); w.string(service?.name ?? "")
        w.key("ServiceTags"); w.stringArray(service?.tags ?? [])
        w.key("Type"); w.string(service == nil ? "" : "wharf")
        w.key("Interval"); w.string("")
        w.key("Timeout"); w.string("")
        w.key("ExposedPort"); w.int(0)
        w.key("Definition"); w.raw("{}".utf8)
        w.key("CreateIndex"); w.int64(create)
        w.key("ModifyIndex"); w.int64(modify)
        w.endObject()
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

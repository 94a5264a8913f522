import NIOCore
@testable import WharfDiscovery
import WharfModel

/// Builds and reads DNS messages byte by byte for the DNS tests, independently of the writer.
enum DNSTestSupport {
    /// A query for `name`; `edns` adds an OPT record advertising that UDP size.
    static func query(_ name: String, _ type: DNSRecordType, id: UInt16 = 0x1234, edns: UInt16? = nil,
                      recursionDesired: Bool = true, qclass: UInt16 = 1) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(id)
        buffer.writeInteger(UInt16(recursionDesired ? 0x0100 : 0))
        buffer.writeInteger(UInt16(1))
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(UInt16(edns == nil ? 0 : 1))
        writeName(name, to: &buffer)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(qclass)
        if let edns {
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(DNSRecordType.opt.rawValue)
            buffer.writeInteger(edns)
            buffer.writeInteger(UInt32(0))
            buffer.writeInteger(UInt16(0))
        }
        return buffer
    }

    static func writeName(_ name: String, to buffer: inout ByteBuffer) {
        for label in name.split(separator: ".") {
            buffer.writeInteger(UInt8(label.utf8.count))
            buffer.writeString(String(label))
        }
        buffer.writeInteger(UInt8(0))
    }

    /// A decoded record, its data rendered as text (`10.0.0.1`, `1 1 31000 n1.node.dc1.consul.`).
    struct Record: Equatable {
        var name: String
        var type: DNSRecordType
        var ttl: UInt32
        var data: String
        /// OPT: the UDP size (class field).
        var rclass: UInt16
    }

    /// A decoded response.
    struct Response {
        var header: DNSHeader
        var question: DNSQuestion?
        var answers: [Record]
        var authority: [Record]
        var additional: [Record]
        var size: Int

        var rcode: UInt8 { header.responseCode }
        var answerData: [String] { answers.map(\.data) }
    }

    /// Decodes a response; fails the test (by throwing) when it is not well-formed.
    static func decode(_ buffer: ByteBuffer) throws -> Response {
        guard let header = DNSHeader(peekingAt: buffer) else { throw DNSParseError.truncated }
        var reader = DNSReader(buffer: buffer, position: DNSHeader.size)
        var question: DNSQuestion?
        for _ in 0 ..< header.questionCount {
            let name = try reader.readName()
            question = DNSQuestion(name: name, type: DNSRecordType(rawValue: try reader.readUInt16()), qclass: try reader.readUInt16())
        }
        var sections: [[Record]] = []
        for count in [header.answerCount, header.authorityCount, header.additionalCount] {
            var records: [Record] = []
            for _ in 0 ..< count { records.append(try readRecord(&reader, buffer)) }
            sections.append(records)
        }
        guard reader.remaining == 0 else { throw DNSParseError.impossibleCounts }
        return Response(header: header, question: question, answers: sections[0], authority: sections[1],
                        additional: sections[2], size: buffer.readableBytes)
    }

    private static func readRecord(_ reader: inout DNSReader, _ buffer: ByteBuffer) throws -> Record {
        let name = try reader.readName()
        let type = DNSRecordType(rawValue: try reader.readUInt16())
        let rclass = try reader.readUInt16()
        let ttl = try reader.readUInt32()
        let length = Int(try reader.readUInt16())
        let end = reader.position + length
        var data: String
        switch type {
        case .a:
            let value = try reader.readUInt32()
            data = "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        case .srv:
            let priority = try reader.readUInt16()
            let weight = try reader.readUInt16()
            let port = try reader.readUInt16()
            data = "\(priority) \(weight) \(port) \(try reader.readName())"
        case .ns:
            data = "\(try reader.readName())"
        case .soa:
            let mname = try reader.readName()
            let rname = try reader.readName()
            var numbers: [UInt32] = []
            for _ in 0 ..< 5 { numbers.append(try reader.readUInt32()) }
            data = "\(mname) \(rname) " + numbers.map(String.init).joined(separator: " ")
        default:
            reader.position = end
            data = ""
        }
        guard reader.position == end else { throw DNSParseError.truncated }
        return Record(name: name.description, type: type, ttl: ttl, data: data, rclass: rclass)
    }

    /// An endpoint `instance` on node `node` at `address:port`.
    static func endpoint(_ instance: String, node: String, address: String, port: Int,
                         health: CatalogHealth = .passing) -> CatalogEndpoint {
        CatalogEndpoint(instanceId: instance, taskId: instance + ".1", node: node, address: address, port: port,
                        health: health, output: health == .passing ? "ok" : "failing")
    }

    /// A registration of `name` for app `app`.
    static func service(_ name: String, app: String, tags: [String] = [], endpoints: [CatalogEndpoint]) -> CatalogService {
        CatalogService(name: name, appId: PathId(app), portIndex: 0, portName: nil, servicePort: 10000, portProtocol: "tcp",
                       tags: tags, meta: [:], httpRoutes: [], routeErrors: [], endpoints: endpoints)
    }

    /// A catalog with `web` (two passing instances on two nodes, one critical, tags primary/v1),
    /// `db` (tag `primary` on one of two registrations), and `down` (only critical instances).
    static func catalog() -> Catalog {
        let catalog = Catalog(datacenter: "dc1", startIndex: 100)
        catalog.setNodes([CatalogNode(name: "agent-1", address: "10.0.0.1"), CatalogNode(name: "agent-2", address: "10.0.0.2"),
                          CatalogNode(name: "agent-3", address: "10.0.0.3")])
        catalog.replace([
            PathId("/web"): [service("web", app: "/web", tags: ["Primary", "v1"], endpoints: [
                endpoint("web.1", node: "agent-1", address: "10.0.0.1", port: 31001),
                endpoint("web.2", node: "agent-2", address: "10.0.0.2", port: 31002),
                endpoint("web.3", node: "agent-3", address: "10.0.0.3", port: 31003, health: .critical),
            ])],
            PathId("/db/main"): [service("db", app: "/db/main", tags: ["primary"], endpoints: [
                endpoint("db.1", node: "agent-1", address: "10.0.0.1", port: 32001),
            ])],
            PathId("/db/replica"): [service("db", app: "/db/replica", tags: ["replica"], endpoints: [
                endpoint("db.2", node: "agent-2", address: "10.0.0.2", port: 32002),
            ])],
            PathId("/down"): [service("down", app: "/down", endpoints: [
                endpoint("down.1", node: "agent-1", address: "10.0.0.1", port: 33001, health: .critical),
            ])],
        ])
        return catalog
    }
}

extension DNSResolver {
    private static let nodeLabel = Array("node".utf8)
    private static let addrLabel = Array("addr".utf8)

    /// Writes the records answering `question` (a name of `zone` read as `lookup`) and returns the
    /// response code. Negative answers carry the zone's SOA in the authority section (RFC 2308).
    func answer(_ lookup: DNSLookup, to question: DNSQuestion, zone: DNSZone, snapshot: CatalogSnapshot,
                writer: inout DNSResponseWriter, random: inout some RandomNumberGenerator) -> DNSResponseCode {
        let type = question.type
        let wantsAddress = type == .a || type == .any
        switch lookup {
        case .apex:
            if type == .soa || type == .any {
                writer.addSOA(.answer, zone: zone, ttl: ttl, serial: serial(snapshot), minimum: negativeTTL)
            }
            if type == .ns || type == .any {
                writer.addNS(.answer, name: zone.apex, ttl: ttl, host: zone.nameServer)
                writer.addA(.additional, name: zone.nameServer, ttl: ttl, address: nameServerAddress)
            }
            if type != .soa, type != .ns, type != .any { writeSOA(zone, snapshot, &writer) }
            return .noError
        case .nameServer:
            if wantsAddress {
                writer.addA(.answer, name: question.name, ttl: ttl, address: nameServerAddress)
            } else {
                writeSOA(zone, snapshot, &writer)
            }
            return .noError
        case .service(let name, let tag):
            guard let entry = snapshot.services[name], hasPassing(entry, tag: tag) else {
                return nameError(zone, snapshot, &writer)
            }
            if wantsAddress {
                writeAddresses(of: entry, tag: tag, question: question, zone: zone, snapshot: snapshot, writer: &writer, random: &random)
            } else if type == .srv {
                var endpoints = passingEndpoints(of: entry, tag: tag)
                endpoints.shuffle(using: &random)
                writeServiceRecords(endpoints, question: question, zone: zone, snapshot: snapshot, writer: &writer)
            } else {
                writeSOA(zone, snapshot, &writer)
            }
            return .noError
        case .node(let name):
            guard let (_, text) = node(named: name, snapshot: snapshot) else { return nameError(zone, snapshot, &writer) }
            if wantsAddress, let address = IPv4Literal.parse(text) {
                writer.addA(.answer, name: question.name, ttl: nodeTTL, address: address)
            } else {
                writeSOA(zone, snapshot, &writer)
            }
            return .noError
        case .address(let address):
            if wantsAddress {
                writer.addA(.answer, name: question.name, ttl: nodeTTL, address: address)
            } else {
                writeSOA(zone, snapshot, &writer)
            }
            return .noError
        case .none:
            return nameError(zone, snapshot, &writer)
        }
    }

    /// Whether a registration of `entry` (tagged `tag`, when given) has a passing endpoint.
    private func hasPassing(_ entry: ServiceEntry, tag: String?) -> Bool {
        entry.parts.contains { part in
            matches(part, tag: tag) && part.endpoints.contains { $0.health == .passing }
        }
    }

    private func matches(_ part: CatalogService, tag: String?) -> Bool {
        guard let tag else { return true }
        return part.tags.contains { $0.lowercased() == tag }
    }

    /// The passing endpoints of `entry`, only from registrations tagged `tag` when one is given.
    private func passingEndpoints(of entry: ServiceEntry, tag: String?) -> [CatalogEndpoint] {
        var endpoints: [CatalogEndpoint] = []
        for part in entry.parts where matches(part, tag: tag) {
            for endpoint in part.endpoints where endpoint.health == .passing { endpoints.append(endpoint) }
        }
        return endpoints
    }

    /// One A record per distinct IPv4 address of a passing endpoint, in random order; NODATA when
    /// no address is IPv4.
    private func writeAddresses(of entry: ServiceEntry, tag: String?, question: DNSQuestion, zone: DNSZone, snapshot: CatalogSnapshot,
                                writer: inout DNSResponseWriter, random: inout some RandomNumberGenerator) {
        var addresses: [UInt32] = []
        for part in entry.parts where matches(part, tag: tag) {
            for endpoint in part.endpoints where endpoint.health == .passing {
                if let address = IPv4Literal.parse(endpoint.address) { addresses.append(address) }
            }
        }
        if addresses.count > 1 {
            addresses.sort()
            var unique = 1
            for index in 1 ..< addresses.count where addresses[index] != addresses[unique - 1] {
                addresses[unique] = addresses[index]
                unique += 1
            }
            addresses.removeSubrange(unique...)
            addresses.shuffle(using: &random)
        }
        guard !addresses.isEmpty else { return writeSOA(zone, snapshot, &writer) }
        for address in addresses {
            guard writer.addA(.answer, name: question.name, ttl: ttl, address: address) else { return }
        }
    }

    /// One SRV record per endpoint (priority 1, weight 1) targeting its node, `<node>.node.<dc>.<domain>.`,
    /// with the node's A record in the additional section. A node whose name cannot be a DNS
    /// label is named by address instead, `<hex ip>.addr.<dc>.<domain>.`.
    private func writeServiceRecords(_ endpoints: [CatalogEndpoint], question: DNSQuestion, zone: DNSZone,
                                     snapshot: CatalogSnapshot, writer: inout DNSResponseWriter) {
        let datacenter = Array(snapshot.datacenter.lowercased().utf8)
        var extra: [(node: String, target: DNSName, address: UInt32)] = []
        for endpoint in endpoints {
            let nodeAddress = IPv4Literal.parse(snapshot.nodes[endpoint.node]?.address ?? endpoint.address)
            let target: DNSName
            if let byNode = zone.name([Array(endpoint.node.utf8), Self.nodeLabel, datacenter]), !endpoint.node.utf8.contains(UInt8(ascii: ".")) {
                target = byNode
            } else if let address = IPv4Literal.parse(endpoint.address),
                      let byAddress = zone.name([Array(hex(address).utf8), Self.addrLabel, datacenter]) {
                target = byAddress
            } else {
                continue
            }
            guard writer.addSRV(.answer, name: question.name, ttl: ttl, priority: 1, weight: 1,
                                port: UInt16(clamping: endpoint.port), target: target) else { return }
            if let nodeAddress, !extra.contains(where: { $0.node == endpoint.node }) {
                extra.append((endpoint.node, target, nodeAddress))
            }
        }
        for record in extra {
            guard writer.addA(.additional, name: record.target, ttl: nodeTTL, address: record.address) else { return }
        }
    }

    /// The node `name` (lower case) and its address: from the catalog's nodes, else from an
    /// endpoint that runs on it.
    private func node(named name: String, snapshot: CatalogSnapshot) -> (String, String)? {
        if let node = snapshot.nodes[name] { return (node.name, node.address) }
        if let node = snapshot.nodes.values.first(where: { $0.name.lowercased() == name }) { return (node.name, node.address) }
        for entry in snapshot.services.values {
            if let endpoint = entry.endpoints.first(where: { $0.node.lowercased() == name }) { return (endpoint.node, endpoint.address) }
        }
        return nil
    }

    private func nameError(_ zone: DNSZone, _ snapshot: CatalogSnapshot, _ writer: inout DNSResponseWriter) -> DNSResponseCode {
        writeSOA(zone, snapshot, &writer)
        return .nameError
    }

    /// The SOA for a negative answer: its TTL and minimum are the negative TTL.
    private func writeSOA(_ zone: DNSZone, _ snapshot: CatalogSnapshot, _ writer: inout DNSResponseWriter) {
        writer.addSOA(.authority, zone: zone, ttl: negativeTTL, serial: serial(snapshot), minimum: negativeTTL)
    }

    /// The SOA serial: the catalog index's low 32 bits (it only has to change when data does).
    private func serial(_ snapshot: CatalogSnapshot) -> UInt32 {
        UInt32(truncatingIfNeeded: snapshot.index)
    }

    private func hex(_ address: UInt32) -> String {
        let digits = String(address, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

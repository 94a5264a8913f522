import NIOCore
import Testing
@testable import WharfDiscovery
import WharfModel

@Suite("DNS resolver", .timeLimit(.minutes(3)))
struct DNSResolverTests {
    typealias Support = DNSTestSupport
    let snapshot = DNSTestSupport.catalog().snapshot
    let resolver = DNSResolver(configuration: DNSConfiguration(extraDomains: ["wharf"]))

    func ask(_ name: String, _ type: DNSRecordType, edns: UInt16? = nil, transport: DNSTransport = .udp,
             snapshot: CatalogSnapshot? = nil, resolver: DNSResolver? = nil) throws -> DNSTestSupport.Response {
        let packet = Support.query(name, type, edns: edns)
        let output = try #require((resolver ?? self.resolver).respond(to: packet, snapshot: snapshot ?? self.snapshot, transport: transport))
        return try Support.decode(output)
    }

    @Test func serviceARecordsArePassingAddressesOnly() throws {
        let response = try ask("web.service.consul", .a)
        #expect(response.rcode == 0)
        #expect(response.header.id == 0x1234)
        #expect(response.header.isResponse && response.header.isAuthoritative && response.header.recursionDesired)
        #expect(!response.header.recursionAvailable && !response.header.isTruncated)
        #expect(response.question?.name.description == "web.service.consul.")
        #expect(Set(response.answerData) == ["10.0.0.1", "10.0.0.2"])
        #expect(response.answers.allSatisfy { $0.name == "web.service.consul." && $0.ttl == 1 && $0.type == .a })
    }

    @Test func datacenterFormAndTrailingCaseAreAccepted() throws {
        let response = try ask("WEB.Service.DC1.Consul.", .a)
        #expect(Set(response.answerData) == ["10.0.0.1", "10.0.0.2"])
        // The question is echoed exactly as asked (resolvers using 0x20 randomisation check it).
        #expect(response.question?.name.description == "WEB.Service.DC1.Consul.")
        #expect(try ask("web.service.dc2.consul", .a).rcode == 3)
    }

    @Test func duplicateAddressesAreMerged() throws {
        let catalog = Catalog(datacenter: "dc1")
        catalog.replace([PathId("/api"): [Support.service("api", app: "/api", endpoints: [
            Support.endpoint("api.1", node: "a", address: "10.1.0.1", port: 1),
            Support.endpoint("api.2", node: "a", address: "10.1.0.1", port: 2),
        ])]])
        let response = try ask("api.service.consul", .a, snapshot: catalog.snapshot)
        #expect(response.answerData == ["10.1.0.1"])
    }

    @Test func srvTargetsNodesWithAddressesInAdditional() throws {
        let response = try ask("web.service.consul", .srv)
        #expect(Set(response.answerData) == ["1 1 31001 agent-1.node.dc1.consul.", "1 1 31002 agent-2.node.dc1.consul."])
        #expect(Set(response.additional.map { "\($0.name) \($0.data)" })
            == ["agent-1.node.dc1.consul. 10.0.0.1", "agent-2.node.dc1.consul. 10.0.0.2"])
    }

    @Test func answersAreShuffled() throws {
        var orders = Set<[String]>()
        for _ in 0 ..< 50 { orders.insert(try ask("web.service.consul", .srv).answerData) }
        #expect(orders.count == 2)
    }

    @Test func tagLookupFiltersRegistrations() throws {
        #expect(try ask("primary.db.service.consul", .a).answerData == ["10.0.0.1"])
        #expect(try ask("replica.db.service.consul", .a).answerData == ["10.0.0.2"])
        #expect(Set(try ask("db.service.consul", .a).answerData) == ["10.0.0.1", "10.0.0.2"])
        // Tags compare case-insensitively ("Primary" is registered).
        #expect(try ask("primary.web.service.consul", .a).answers.count == 2)
        let missing = try ask("canary.db.service.consul", .a)
        #expect(missing.rcode == 3)
        #expect(missing.authority.first?.type == .soa)
    }

    @Test func rfc2782Names() throws {
        #expect(try ask("_db._tcp.service.consul", .srv).answers.count == 2)
        #expect(try ask("_db._udp.service.dc1.consul", .srv).answers.count == 2)
        #expect(try ask("_db._replica.service.consul", .srv).answerData == ["1 1 32002 agent-2.node.dc1.consul."])
        #expect(try ask("_db._tcp.consul", .srv).answers.count == 2)
    }

    @Test func nodeLookup() throws {
        let response = try ask("agent-2.node.consul", .a)
        #expect(response.answerData == ["10.0.0.2"])
        #expect(try ask("Agent-1.node.dc1.consul", .a).answerData == ["10.0.0.1"])
        #expect(try ask("nobody.node.consul", .a).rcode == 3)
        #expect(try ask("0a000009.addr.dc1.consul", .a).answerData == ["10.0.0.9"])
    }

    @Test func extraDomainLongAndShortForms() throws {
        #expect(Set(try ask("web.service.wharf", .a).answerData) == ["10.0.0.1", "10.0.0.2"])
        #expect(Set(try ask("web.wharf", .a).answerData) == ["10.0.0.1", "10.0.0.2"])
        let srv = try ask("web.wharf.", .srv)
        #expect(Set(srv.answerData) == ["1 1 31001 agent-1.node.dc1.wharf.", "1 1 31002 agent-2.node.dc1.wharf."])
        // The short form is only for extra domains.
        #expect(try ask("web.consul", .a).rcode == 3)
    }

    @Test func noHealthyInstanceIsNXDomainWithShortNegativeTTL() throws {
        let configured = DNSResolver(configuration: DNSConfiguration(negativeTTL: 2))
        let response = try ask("down.service.consul", .a, resolver: configured)
        #expect(response.rcode == 3)
        #expect(response.header.isAuthoritative)
        #expect(response.answers.isEmpty)
        let soa = try #require(response.authority.first)
        #expect(soa.type == .soa && soa.name == "consul." && soa.ttl == 2)
        #expect(soa.data.hasPrefix("ns.consul. hostmaster.consul. "))
        #expect(soa.data.hasSuffix(" 3600 600 86400 2"))
    }

    @Test func unknownNamesAreNXDomain() throws {
        for name in ["nothing.service.consul", "a.b.c.service.consul", "what.consul", "x.y.node.consul"] {
            let response = try ask(name, .a)
            #expect(response.rcode == 3, "\(name)")
            #expect(response.authority.map(\.type) == [.soa], "\(name)")
        }
    }

    @Test func knownNameOtherTypeIsEmptyNoError() throws {
        for type in [DNSRecordType.aaaa, .txt, .soa] {
            let response = try ask("web.service.consul", type)
            #expect(response.rcode == 0)
            #expect(response.answers.isEmpty)
            #expect(response.authority.map(\.type) == [.soa])
        }
        #expect(try ask("agent-1.node.consul", .srv).answers.isEmpty)
        #expect(Set(try ask("web.service.consul", .any).answerData) == ["10.0.0.1", "10.0.0.2"])
    }

    @Test func apexSOAAndNS() throws {
        let soa = try ask("consul", .soa)
        #expect(soa.answers.map(\.type) == [.soa])
        let ns = try ask("consul.", .ns)
        #expect(ns.answerData == ["ns.consul."])
        #expect(ns.additional.map(\.data) == ["127.0.0.1"])
        #expect(try ask("ns.consul", .a).answerData == ["127.0.0.1"])
        let bound = DNSResolver(configuration: DNSConfiguration(bindAddress: "192.168.1.5"))
        #expect(try ask("ns.consul", .a, resolver: bound).answerData == ["192.168.1.5"])
    }

    @Test func foreignNamesAreRefusedWithoutRecursion() throws {
        let response = try ask("example.com", .a)
        #expect(response.rcode == 5)
        #expect(!response.header.recursionAvailable && !response.header.isAuthoritative)
        #expect(response.question?.name.description == "example.com.")
        #expect(try ask("consul.example.com", .a).rcode == 5)
        #expect(try ask("notconsul", .a).rcode == 5)
    }

    @Test func ednsIsEchoedWithOurSize() throws {
        let response = try ask("web.service.consul", .a, edns: 1232)
        let opt = try #require(response.additional.last)
        #expect(opt.type == .opt && opt.rclass == 4096)
        #expect(try ask("web.service.consul", .a).additional.isEmpty)
    }

    /// A catalog with `count` passing instances of `big`, one per node.
    func bigSnapshot(_ count: Int) -> CatalogSnapshot {
        let catalog = Catalog(datacenter: "dc1")
        let endpoints = (0 ..< count).map {
            Support.endpoint("big.\($0)", node: "node-\($0)", address: "10.2.\($0 / 250).\($0 % 250 + 1)", port: 20000 + $0)
        }
        catalog.replace([PathId("/big"): [Support.service("big", app: "/big", endpoints: endpoints)]])
        return catalog.snapshot
    }

    @Test func truncatesAt512WithoutEDNS() throws {
        let snapshot = bigSnapshot(100)
        let plain = try ask("big.service.consul", .a, snapshot: snapshot)
        #expect(plain.header.isTruncated)
        #expect(plain.size <= 512)
        #expect(!plain.answers.isEmpty && plain.answers.count < 100)
        let srv = try ask("big.service.consul", .srv, snapshot: snapshot)
        #expect(srv.header.isTruncated && srv.size <= 512)
        #expect(srv.additional.isEmpty)

        let edns = try ask("big.service.consul", .a, edns: 4096, snapshot: snapshot)
        #expect(!edns.header.isTruncated)
        #expect(edns.answers.count == 100)
        #expect(edns.additional.last?.type == .opt)

        let tcp = try ask("big.service.consul", .srv, transport: .tcp, snapshot: snapshot)
        #expect(!tcp.header.isTruncated)
        #expect(tcp.answers.count == 100 && tcp.additional.count == 100)
    }

    @Test func dropsAdditionalBeforeAnswers() throws {
        // 14 SRV answers fit in 512 bytes, their 14 additional A records do not all fit.
        let response = try ask("big.service.consul", .srv, snapshot: bigSnapshot(14))
        #expect(response.answers.count == 14)
        #expect(response.additional.count < 14 && !response.additional.isEmpty)
        #expect(!response.header.isTruncated)
        #expect(response.size <= 512)
    }

    @Test func ednsLimitIsClampedTo4096() throws {
        let response = try ask("big.service.consul", .srv, edns: 65000, snapshot: bigSnapshot(400))
        #expect(response.header.isTruncated)
        #expect(response.size <= 4096)
        #expect(response.additional.last?.type == .opt)
    }

    @Test func compressionPointsAnswersAtTheQuestion() throws {
        let packet = Support.query("web.service.consul", .a, edns: nil)
        let output = try #require(resolver.respond(to: packet, snapshot: snapshot, transport: .udp))
        // header 12 + question 20 + 4, then each A record: pointer to 12 (C0 0C) + 10 + 4.
        #expect(output.readableBytes == 12 + 24 + 2 * 16)
        #expect(output.getInteger(at: 36, as: UInt16.self) == 0xC00C)
    }

    @Test func headerLevelRejections() throws {
        var notQuery = Support.query("web.service.consul", .a)
        notQuery.setInteger(UInt16(0x2800), at: 2) // opcode 5 (UPDATE)
        let notImp = try Support.decode(try #require(resolver.respond(to: notQuery, snapshot: snapshot, transport: .udp)))
        #expect(notImp.rcode == 4 && notImp.header.id == 0x1234)

        var twoQuestions = Support.query("web.service.consul", .a)
        twoQuestions.setInteger(UInt16(2), at: 4)
        Support.writeName("db.service.consul", to: &twoQuestions)
        twoQuestions.writeInteger(UInt16(1))
        twoQuestions.writeInteger(UInt16(1))
        let formErr = try Support.decode(try #require(resolver.respond(to: twoQuestions, snapshot: snapshot, transport: .udp)))
        #expect(formErr.rcode == 1)

        var response = Support.query("web.service.consul", .a)
        response.setInteger(UInt16(0x8100), at: 2)
        #expect(resolver.respond(to: response, snapshot: snapshot, transport: .udp) == nil)

        var badVersion = Support.query("web.service.consul", .a, edns: 1232)
        badVersion.setInteger(UInt8(1), at: badVersion.writerIndex - 5) // EDNS version byte
        let badVers = try Support.decode(try #require(resolver.respond(to: badVersion, snapshot: snapshot, transport: .udp)))
        #expect(badVers.rcode == 0 && badVers.additional.last?.type == .opt)
        #expect(badVers.additional.last?.ttl == 1 << 24)
    }

    @Test func chaosClassIsRefused() throws {
        let packet = Support.query("version.bind", .txt, qclass: 3)
        let response = try Support.decode(try #require(resolver.respond(to: packet, snapshot: snapshot, transport: .udp)))
        #expect(response.rcode == 5)
    }
}

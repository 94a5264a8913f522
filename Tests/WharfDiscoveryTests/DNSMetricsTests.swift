import NIOCore
import NIOPosix
import Testing
@testable import WharfDiscovery
import WharfMetrics

extension DNSServerTests {
    @Test func queriesAreCountedByTypeAndResponseCode() async throws {
        let registry = MetricsRegistry()
        try await withServer(catalog: Support.catalog(), metrics: registry) { _, port in
            _ = try await udp(Support.query("web.service.consul", .a), port: port)
            _ = try await udp(Support.query("web.service.consul", .srv), port: port)
            _ = try await udp(Support.query("nothing.service.consul", .a), port: port)
            _ = try await tcp([Support.query("example.org", .aaaa), Support.query("web.service.consul", .srv)], port: port)
            // A type Wharf does not name (MX) is OTHER, whatever a client asks.
            _ = try await udp(Support.query("web.service.consul", DNSRecordType(rawValue: 15)), port: port)
            let text = String(decoding: await registry.exposition(), as: UTF8.self)
            let samples = try #require(ExpositionSample.parse(text))
            func count(_ type: String, _ rcode: String) -> Double? {
                ExpositionSample.value("wharf_dns_queries_total", ["type": type, "rcode": rcode], in: samples)
            }
            #expect(count("A", "NOERROR") == 1)
            #expect(count("SRV", "NOERROR") == 2)
            #expect(count("A", "NXDOMAIN") == 1)
            #expect(count("AAAA", "REFUSED") == 1)
            #expect(count("OTHER", "NOERROR") == 1)
            #expect(ExpositionSample.value("wharf_dns_queries_total", in: samples) == 6)
        }
    }

    @Test func aMalformedPacketIsCountedAsDropped() async throws {
        let registry = MetricsRegistry()
        try await withServer(catalog: Support.catalog(), metrics: registry) { server, port in
            // A message whose question runs past its end gets no answer (as `dropsGarbageAndKeepsServing`).
            let garbage = ByteBuffer(bytes: [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1])
            let client = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
            try await client.writeAndFlush(AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port), data: garbage))
            try await client.close()
            let deadline = ContinuousClock.now + .seconds(5)
            while server.stats.malformed == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            let samples = try #require(ExpositionSample.parse(String(decoding: await registry.exposition(), as: UTF8.self)))
            #expect(ExpositionSample.value("wharf_dns_queries_total", ["type": "none", "rcode": "dropped"], in: samples) == 1)
        }
    }
}

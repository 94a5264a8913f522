import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WharfMetrics
import WharfRouter

/// The router's series in Traefik's shape, per service.
@Suite(.timeLimit(.minutes(3))) struct RouterMetricsTests {
    static func samples(_ registry: MetricsRegistry) async throws -> [ExpositionSample] {
        let text = String(decoding: await registry.exposition(), as: UTF8.self)
        return try #require(ExpositionSample.parse(text), "unparsable exposition:\n\(text)")
    }

    @Test func requestsAreCountedPerServiceCodeAndMethod() async throws {
        let web = try await TestBackend.start(id: "web")
        let refused = try await refusedPort()
        let registry = MetricsRegistry()
        let table = RouteTable(http: [
            HTTPRoute(name: "web", hosts: ["a.test"], pathPrefix: "/", backends: [web.backend()]),
            HTTPRoute(name: "empty", hosts: ["empty.test"], pathPrefix: "/", backends: []),
            HTTPRoute(name: "dead", hosts: ["dead.test"], pathPrefix: "/",
                      backends: [Backend(id: "d1", host: "127.0.0.1", port: refused), Backend(id: "d2", host: "127.0.0.1", port: refused)]),
        ])
        try await RouterHarness.with(table, metrics: RouterMetrics(registry: registry)) { harness in
            for _ in 0..<3 { #expect(try await harness.get("/x").status == 200) }
            #expect(try await harness.get("/x", method: .HEAD).status == 200)
            #expect(try await harness.get("/", host: "empty.test").status == 503)
            #expect(try await harness.get("/", host: "dead.test").status == 502)
            #expect(try await harness.get("/", host: "nowhere.test").status == 404)

            // An exchange is counted as it ends, just after its response went out.
            var samples: [ExpositionSample] = []
            try await waitUntil("7 requests counted") {
                samples = try await Self.samples(registry)
                return ExpositionSample.value("wharf_router_service_request_duration_seconds_count", in: samples) == 6
                    && ExpositionSample.value("wharf_router_requests_total", in: samples) == 7
            }
            func value(_ name: String, _ labels: [String: String]) -> Double? { ExpositionSample.value(name, labels, in: samples) }
            #expect(value("wharf_router_service_requests_total", ["service": "web", "code": "200", "method": "GET"]) == 3)
            #expect(value("wharf_router_service_requests_total", ["service": "web", "code": "200", "method": "HEAD"]) == 1)
            #expect(value("wharf_router_service_requests_total", ["service": "empty", "code": "503", "method": "GET"]) == 1)
            #expect(value("wharf_router_service_requests_total", ["service": "dead", "code": "502"]) == 1)
            #expect(value("wharf_router_service_request_duration_seconds_count", ["service": "web"]) == 4)
            #expect((value("wharf_router_service_responses_bytes_total", ["service": "web"]) ?? 0) >= 3)
            // Both of dead's backends refused: two connect errors, two ejections, and two retries (as
            // `RouterStats.retries` counts them: the second found no backend left to try).
            #expect(value("wharf_router_service_backend_connect_errors_total", ["service": "dead"]) == 2)
            #expect(value("wharf_router_service_backend_ejections_total", ["service": "dead"]) == 2)
            #expect(value("wharf_router_service_retries_total", ["service": "dead"]) == 2)
            // Router-wide: the 404 had no service.
            #expect(value("wharf_router_requests_total", ["code_class": "4xx"]) == 1)
            #expect(value("wharf_router_requests_total", ["code_class": "2xx"]) == 4)
            #expect(value("wharf_router_open_connections", [:]) != nil)
            #expect(value("wharf_router_service_requests_total", ["service": "nowhere.test"]) == nil)

            // A service that leaves the table leaves the exposition; the others keep counting.
            harness.router.update(RouteTable(http: [table.http[0]]))
            #expect(try await harness.get("/y").status == 200)
            var after: [ExpositionSample] = []
            try await waitUntil("the request after the update counted") {
                after = try await Self.samples(registry)
                return ExpositionSample.value("wharf_router_service_requests_total", ["service": "web", "method": "GET"], in: after) == 4
            }
            #expect(ExpositionSample.value("wharf_router_service_requests_total", ["service": "dead"], in: after) == nil)
            #expect(ExpositionSample.value("wharf_router_service_retries_total", ["service": "empty"], in: after) == nil)
        }
        await web.stop()
    }

    @Test func anUnknownMethodIsCountedAsOther() async throws {
        let web = try await TestBackend.start(id: "web")
        let registry = MetricsRegistry()
        let table = RouteTable(http: [HTTPRoute(name: "web", hosts: [], pathPrefix: "/", backends: [web.backend()])])
        try await RouterHarness.with(table, metrics: RouterMetrics(registry: registry)) { harness in
            #expect(try await harness.get("/", method: .PROPFIND).status == 200)
            try await waitUntil("counted as OTHER") {
                let samples = try await Self.samples(registry)
                return ExpositionSample.value("wharf_router_service_requests_total", ["service": "web", "method": "OTHER"], in: samples) == 1
                    && !samples.contains { $0.labels["method"] == "PROPFIND" }
            }
        }
        await web.stop()
    }

    @Test func tcpConnectionsAreCountedPerService() async throws {
        let web = try await TestBackend.start(id: "web")
        let registry = MetricsRegistry()
        let port = try await refusedPort()
        let table = RouteTable(tcp: [TCPRoute(name: "db", port: port, backends: [web.backend()])])
        let configuration = RouterConfiguration(bindAddress: "127.0.0.1", httpPort: 0)
        try await RouterHarness.with(table, configuration: configuration, metrics: RouterMetrics(registry: registry)) { _ in
            try await waitUntil("a TCP connection is counted") {
                guard let client = try? await RawClient.connect(port: port) else { return false }
                await client.close()
                let samples = try await Self.samples(registry)
                return (ExpositionSample.value("wharf_router_service_tcp_connections_total", ["service": "db"], in: samples) ?? 0) >= 1
            }
        }
        await web.stop()
    }
}

import Foundation
import Testing
import WharfRouter

@Suite("HAProxy config rendering", .timeLimit(.minutes(3)))
struct HAProxyConfigRendererTests {
    let settings = HAProxySettings(socket: .unix(path: "/run/haproxy/admin.sock"), httpPort: 80)

    func render(_ routes: HAProxyRoutes) -> String {
        HAProxyConfigRenderer.render(HAProxyLayout(routes: routes, settings: settings), settings: settings)
    }

    @Test func globalAndDefaultsCarryTheRequiredSettings() {
        let text = render(HAProxyFixtures.shop())
        for line in [
            "    master-worker", "    maxconn 4096",
            "    stats socket /run/haproxy/admin.sock mode 600 level admin expose-fd listeners",
            "    mode http", "    timeout connect 3s", "    timeout client 30s", "    timeout server 30s",
            "    timeout tunnel 3600s", "    timeout http-request 10s", "    option redispatch", "    retries 2",
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)")
        }
    }

    @Test func httpRulesPutHostAndLongestPathFirst() {
        let lines = render(HAProxyFixtures.shop()).split(separator: "\n").filter { $0.contains("use_backend") }
        #expect(lines == [
            "    use_backend http_shop-api if r0_http_shop-api_host r0_http_shop-api_path",
            "    use_backend http_shop-web if r1_http_shop-web_host",
            "    use_backend http_catch-all",
        ])
        let text = render(HAProxyFixtures.shop())
        #expect(text.contains("    acl r1_http_shop-web_host hdr(host),field(1,:) -i shop.example.com www.shop.example.com\n"))
        #expect(text.contains("    acl r0_http_shop-api_path path_beg /api\n"))
    }

    @Test func tcpRoutesGetAFrontendAndBackendOnTheirPort() {
        let text = render(HAProxyFixtures.shop())
        #expect(text.contains("frontend tcp_shop-db_10300\n    mode tcp\n    bind :10300\n    default_backend tcp_shop-db_10300\n"))
        #expect(text.contains("backend tcp_shop-db_10300\n    mode tcp\n    balance roundrobin\n    server shop_db.instance-1 127.0.0.1:10301 check inter 2000ms\n"))
    }

    @Test func outputDoesNotDependOnInputOrder() {
        var routes = HAProxyFixtures.shop()
        let expected = render(routes)
        routes.http.reverse()
        routes.http[0].backends.reverse()
        #expect(render(routes) == expected)
    }

    @Test func serverNamesAreValidCappedAndDistinct() {
        let long = String(repeating: "very-long-app-name.", count: 4)
        let a = HAProxyNames.server(instanceId: long + "instance-0b1c2d3e-aaaa")
        let b = HAProxyNames.server(instanceId: long + "instance-0b1c2d3e-bbbb")
        #expect(a.count <= HAProxyNames.maxServerNameLength && b.count <= HAProxyNames.maxServerNameLength)
        #expect(a != b)
        #expect(a.hasSuffix("aaaa"))
        #expect(HAProxyNames.server(instanceId: "web/app instance#1") == "web_app_instance_1")
        #expect(HAProxyNames.server(instanceId: "shop_web.instance-1") == "shop_web.instance-1")
    }

    @Test func unusableValuesDropTheirRouteWithAWarning() {
        var routes = HAProxyFixtures.shop()
        routes.http.append(.init(name: "evil", app: "/evil", hosts: ["a b#c"], backends: [HAProxyFixtures.endpoint("e.1", 1)]))
        routes.tcp.append(.init(name: "clash", app: "/clash", port: 80))
        let layout = HAProxyLayout(routes: routes, settings: settings)
        #expect(layout.backend(named: "http_evil") == nil)
        #expect(!layout.tcpFrontends.contains { $0.port == 80 })
        #expect(layout.warnings.count == 2)
    }

    @Test func sameNamedRoutesOfDifferentAppsGetDistinctBackends() {
        let routes = HAProxyRoutes(http: [
            .init(name: "web", app: "/a/web", hosts: ["a.example"]),
            .init(name: "web", app: "/b/web", hosts: ["b.example"]),
        ])
        let names = HAProxyLayout(routes: routes, settings: settings).backends.map(\.name)
        #expect(names.count == 2 && Set(names).count == 2 && names.allSatisfy { $0.hasPrefix("http_web_") })
    }

    @Test(.enabled(if: HAProxyFixtures.executable != nil || HAProxyFixtures.isRequired, "haproxy is not installed"))
    func realHAProxyAcceptsTheRenderedConfig() async throws {
        var routes = HAProxyFixtures.shop()
        routes.http.append(.init(name: "wild", app: "/wild", hosts: ["*.apps.example"], pathPrefix: "/x", balance: "source"))
        let directory = try HAProxyFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/haproxy.cfg"
        try render(routes).write(toFile: path, atomically: true, encoding: .utf8)
        let control = HAProxyControl(executable: try HAProxyFixtures.requireExecutable(), configPath: path, pidFile: nil, reloadMethod: .managed)
        try await control.validate(path)
    }

    @Test(.enabled(if: HAProxyFixtures.executable != nil || HAProxyFixtures.isRequired, "haproxy is not installed"))
    func realHAProxyRejectsABrokenConfig() async throws {
        let directory = try HAProxyFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/haproxy.cfg"
        try "frontend x\n    bind :1\n    use_backend missing\n".write(toFile: path, atomically: true, encoding: .utf8)
        let control = HAProxyControl(executable: try HAProxyFixtures.requireExecutable(), configPath: path, pidFile: nil, reloadMethod: .managed)
        await #expect(throws: HAProxyControlError.self) { try await control.validate(path) }
    }
}

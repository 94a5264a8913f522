import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `wharf haproxy` run as the README shows it, next to a running `wharf dev` that serves TCP routes
/// itself (the default): HAProxy must start and serve, and leave the service ports to wharf dev.
@Suite("wharf haproxy next to wharf dev", .timeLimit(.minutes(15)),
       .enabled(if: HAProxyHarness.executable != nil, "haproxy is not installed (apt-get install haproxy)"))
struct HAProxyNextToWharfTests {
    @Test("HAProxy starts, serves the HTTP routes and leaves the TCP service ports to wharf dev's router")
    func besideWharfDev() async throws {
        let ports = PortAllocator.shared.block(of: 2)
        let (servicePort, httpPort) = (ports.lowerBound, ports.upperBound)
        try await withWharf(["--tcp-routes", "true", "--service-ports", "\(servicePort)-\(servicePort)"]) { wharf in
            var app = Fixtures.httpServer("/hello")
            app["portDefinitions"] = [["port": 0, "name": "http"]]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            _ = try await wharf.api.waitForRunning("/hello", count: 1)
            #expect(try await wharf.api.app("/hello")?["portDefinitions"]?[0]?["port"]?.int == servicePort)
            try await waitUntil("wharf dev's TCP route on \(servicePort) answers", timeout: .seconds(30)) {
                try await httpStatus(port: servicePort) == 200
            }

            let harness = try HAProxyHarness(routesPort: 0)
            defer { harness.cleanUp() }
            let config = harness.directory + "/haproxy.cfg"
            // The README's command line (its paths and ports replaced by the test's own).
            try harness.startWharfHAProxy([
                "--wharf", wharf.api.baseURL, "--config", config, "--socket", harness.socketPath,
                "--start", "--pid-file", harness.directory + "/haproxy.pid", "--http-port", "\(httpPort)",
                "--haproxy", HAProxyHarness.executable!,
            ])
            let body = try await poll("HAProxy answers for hello.localhost", timeout: .seconds(60)) {
                try await HAProxyHarness.get(port: httpPort, host: "hello.localhost")
            }
            #expect(body.contains("Directory listing"), "\(body)")
            let text = try String(contentsOfFile: config, encoding: .utf8)
            #expect(!text.contains("bind :\(servicePort)"), "HAProxy would collide with wharf dev's listener:\n\(text)")
            #expect(harness.log().contains("service port \(servicePort) is already served by wharf dev's own router"), "\(harness.log())")
            #expect(!harness.log().contains("cannot bind socket"), "\(harness.log())")
            let master = try #require(harness.masterPid())
            #expect(kill(master, 0) == 0, "HAProxy is not running:\n\(harness.log())")
            #expect(try await httpStatus(port: servicePort) == 200, "wharf dev's TCP route still answers")
            #expect(await harness.stopWharfHAProxy() == 0)
        }
    }
}

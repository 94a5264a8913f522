import AsyncHTTPClient
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `wharf haproxy` (the built binary) against a real HAProxy, a fake Wharf routes endpoint and small
/// python backends: instance changes go through the runtime API (same worker), a new route reloads once.
@Suite("wharf haproxy", .enabled(if: HAProxyHarness.executable != nil || HAProxyHarness.isRequired, "haproxy is not installed (apt-get install haproxy)"), .timeLimit(.minutes(15)))
struct HAProxyTests {
    @Test("instances change without a reload, a new route reloads once")
    func followsRoutesWithRuntimeChangesAndOneReload() async throws {
        let ports = PortAllocator.shared.block(of: 5)
        let (routesPort, httpPort, portA, portB, portC) = (ports.lowerBound, ports.lowerBound + 1, ports.lowerBound + 2, ports.lowerBound + 3, ports.lowerBound + 4)
        let harness = try HAProxyHarness(routesPort: routesPort)
        defer { harness.cleanUp() }
        func web(_ ports: [Int]) -> JSON {
            ["name": "web", "app": "/web", "portIndex": 0, "hosts": ["web.test"], "pathPrefix": "/", "balance": "roundrobin",
             "backends": .array(ports.map { ["id": .string("web.instance-\($0)"), "host": "127.0.0.1", "port": .number(Double($0))] })]
        }
        try harness.publish(["index": 1, "http": [web([portA, portB])], "tcp": []])
        try harness.startPython(["routes", "\(routesPort)", harness.routesFile])
        for (port, name) in [(portA, "A"), (portB, "B"), (portC, "C")] { try harness.startPython(["backend", "\(port)", name]) }
        try await waitUntil("the fake routes endpoint answers", timeout: .seconds(20)) {
            try await httpStatus(port: routesPort, path: "/v1/wharf/routes") == 200
        }

        try harness.startWharfHAProxy([
            "--wharf", "http://127.0.0.1:\(routesPort)", "--config", harness.directory + "/haproxy.cfg",
            "--socket", harness.socketPath, "--start", "--pid-file", harness.directory + "/haproxy.pid",
            "--http-port", "\(httpPort)", "--bind", "127.0.0.1", "--min-reload-interval", "0", "--haproxy", try HAProxyHarness.requireExecutable(),
        ])
        var seen: Set<String> = []
        try await waitUntil("requests through HAProxy reach both A and B", timeout: .seconds(30)) {
            seen.insert(try await HAProxyHarness.get(port: httpPort, host: "web.test"))
            return seen.isSuperset(of: ["A", "B"])
        }
        let worker = try await harness.workerPid()

        // B leaves the routes: HAProxy stops sending to it without a reload.
        try harness.publish(["index": 2, "http": [web([portA])], "tcp": []])
        var streak = 0
        try await waitUntil("20 requests in a row go to A only", timeout: .seconds(20), every: .milliseconds(10)) {
            streak = try await HAProxyHarness.get(port: httpPort, host: "web.test") == "A" ? streak + 1 : 0
            return streak >= 20
        }
        #expect(try await harness.workerPid() == worker, "an instance change must not reload HAProxy")
        #expect(try await harness.runtime("show servers state").contains("web.instance-\(portB)") == false)

        // A new route: one reload, then it serves.
        let api: JSON = ["name": "api", "app": "/api", "portIndex": 0, "hosts": ["api.test"], "pathPrefix": "/",
                         "backends": [["id": "api.instance-1", "host": "127.0.0.1", "port": .number(Double(portC))]]]
        try harness.publish(["index": 3, "http": [web([portA]), api], "tcp": []])
        try await waitUntil("the new route api.test reaches C", timeout: .seconds(30)) {
            try await HAProxyHarness.get(port: httpPort, host: "api.test") == "C"
        }
        #expect(try await harness.workerPid() != worker, "a new route is loaded by a reload")
        #expect(harness.log().components(separatedBy: "HAProxy reloaded").count - 1 == 1, "\(harness.log())")
        #expect(try await HAProxyHarness.get(port: httpPort, host: "web.test") == "A")

        // SIGTERM stops wharf haproxy and the HAProxy it started.
        let master = harness.masterPid()
        #expect(await harness.stopWharfHAProxy() == 0)
        #expect(master.map { kill($0, 0) != 0 } ?? false, "HAProxy (master \(master ?? 0)) still runs after wharf haproxy exited")
    }

    @Test("--once --print renders the routes and writes a valid config")
    func onceWritesAndPrints() async throws {
        let routesPort = PortAllocator.shared.block(of: 1).lowerBound
        let harness = try HAProxyHarness(routesPort: routesPort)
        defer { harness.cleanUp() }
        try harness.publish(["index": 7, "http": [], "tcp": [
            ["name": "db", "app": "/db", "port": 10300, "backends": [["id": "db.instance-1", "host": "127.0.0.1", "port": 10301]]],
        ]])
        try harness.startPython(["routes", "\(routesPort)", harness.routesFile])
        try await waitUntil("the fake routes endpoint answers", timeout: .seconds(20)) {
            try await httpStatus(port: routesPort, path: "/v1/wharf/routes") == 200
        }
        let config = harness.directory + "/haproxy.cfg"
        let result = try await runWharfCLI([
            "haproxy", "--once", "--print", "--wharf", "http://127.0.0.1:\(routesPort)", "--config", config,
            "--socket", harness.socketPath, "--haproxy", try HAProxyHarness.requireExecutable(),
        ])
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.stdout.contains("server db.instance-1 127.0.0.1:10301 check"), "\(result)")
        #expect((try? String(contentsOfFile: config, encoding: .utf8)) == result.stdout)

        let unreachable = try await runWharfCLI(["haproxy", "--once", "--print", "--wharf", "http://127.0.0.1:\(PortAllocator.ephemeralUnusedPort())"])
        #expect(unreachable.exitCode == 2, "\(unreachable)")
    }
}

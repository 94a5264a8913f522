import Foundation
import Testing

/// `--service-ports`, and a service port the router cannot listen on shown where users look.
@Suite("Service ports", .timeLimit(.minutes(15)))
struct ServicePortTests {
    @Test("--service-ports is honoured; a held service port is not assigned, and one an app names shows in routeErrors, /v2/queue and events until it is free")
    func heldServicePortIsReported() async throws {
        let block = PortAllocator.shared.block(of: 4)
        let (low, high) = (block.lowerBound, block.upperBound)
        let holder = try await PortHolder.start(low)
        defer { holder.stop() }
        let other = try await PortHolder.start(low + 1)
        defer { other.stop() }
        try await withWharf(["--tcp-routes", "true", "--service-ports", "\(low)-\(high)"]) { wharf in
            let config = try await wharf.api.get("/v2/info").json["marathon_config"]
            #expect(config?["local_port_min"]?.int == low && config?["local_port_max"]?.int == high)
            let events = EventStream(wharf.api, eventTypes: ["event_stream_attached", "route_listener_event"])
            defer { events.close() }
            try await events.waitUntilAttached()

            var held = Fixtures.httpServer("/held")
            held["portDefinitions"] = [["port": .number(Double(low)), "name": "http"]]
            #expect(try await wharf.api.post("/v2/apps", held).status == 201)
            var auto = Fixtures.sleeper("/auto")
            auto["portDefinitions"] = [["port": 0, "name": "tcp"]]
            let created = try await wharf.api.post("/v2/apps", auto)
            let assigned = try #require(created.json["portDefinitions"]?[0]?["port"]?.int, "\(created)")
            // low is /held's, low + 1 is held by another process: the next free one.
            #expect(assigned == low + 2, "service port \(assigned): expected \(low + 2) in --service-ports \(low)-\(high)")

            let expected = "service port \(low): cannot listen on 127.0.0.1:\(low)"
            try await waitUntil("GET /v2/apps/held shows the route error", timeout: .seconds(30)) {
                try await wharf.api.app("/held")?["routeErrors"]?.array?.contains { $0.string?.hasPrefix(expected) == true } == true
            }
            let item = try #require(try await wharf.api.get("/v2/queue").json["queue"]?.array?.first { $0["app"]?["id"]?.string == "/held" })
            #expect(item["routeErrors"]?.array?.first?.string?.hasPrefix(expected) == true, "\(item)")
            #expect(item["count"]?.int == 0)
            let failed = try await events.waitFor("route_listener_event for /held", timeout: .seconds(10)) {
                $0.payload["appId"]?.string == "/held" && $0.payload["listening"]?.bool == false
            }
            #expect(failed.payload["servicePort"]?.int == low)
            #expect(try await wharf.api.app("/auto")?["routeErrors"] == nil)

            holder.stop()
            try await events.waitFor("the router listens on \(low) again", timeout: .seconds(30)) {
                $0.payload["appId"]?.string == "/held" && $0.payload["listening"]?.bool == true
            }
            #expect(try await wharf.api.app("/held")?["routeErrors"] == nil)
            #expect(try await wharf.api.get("/v2/queue").json["queue"]?.array?.isEmpty == true)
            _ = try await wharf.api.waitForRunning("/held", count: 1)
            try await waitUntil("the TCP route on \(low) reaches the app", timeout: .seconds(30)) {
                try await httpStatus(port: low) == 200
            }
        }
    }

    @Test("two wharf dev with the same --service-ports: the second assigns a port the first one's router does not hold, and both TCP routes answer")
    func twoRoutersShareAServicePortRange() async throws {
        let block = PortAllocator.shared.block(of: 3)
        let range = ["--tcp-routes", "true", "--service-ports", "\(block.lowerBound)-\(block.upperBound)"]
        try await withWharf(range) { first in
            var one = Fixtures.httpServer("/one")
            one["portDefinitions"] = [["port": 0, "name": "http"]]
            let firstPort = try #require(try await first.api.post("/v2/apps", one).json["portDefinitions"]?[0]?["port"]?.int)
            #expect(firstPort == block.lowerBound)
            try await waitUntil("the first router serves \(firstPort)", timeout: .seconds(30)) { try await httpStatus(port: firstPort) == 200 }

            try await withWharf(range) { second in
                // The agent has reported what the host holds once the node is in the catalog.
                try await waitUntil("the second's agent is registered", timeout: .seconds(30)) {
                    try await second.api.get("/v1/catalog/nodes").json.array?.isEmpty == false
                }
                var two = Fixtures.httpServer("/two")
                two["portDefinitions"] = [["port": 0, "name": "http"]]
                let secondPort = try #require(try await second.api.post("/v2/apps", two).json["portDefinitions"]?[0]?["port"]?.int)
                #expect(secondPort != firstPort && block.contains(secondPort))
                try await waitUntil("the second router serves \(secondPort)", timeout: .seconds(30)) {
                    try await httpStatus(port: secondPort) == 200
                }
                #expect(try await second.api.app("/two")?["routeErrors"] == nil)
                #expect(try await httpStatus(port: firstPort) == 200)
            }
        }
    }
}

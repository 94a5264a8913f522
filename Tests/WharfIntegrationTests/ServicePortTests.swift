import Foundation
import Testing

/// `--service-ports`, and a service port the router cannot listen on shown where users look.
@Suite("Service ports", .timeLimit(.minutes(4)))
struct ServicePortTests {
    @Test("--service-ports is honoured; a held service port shows in routeErrors, /v2/queue and events until it is free")
    func heldServicePortIsReported() async throws {
        let block = PortAllocator.shared.block(of: 4)
        let (low, high) = (block.lowerBound, block.upperBound)
        let holder = try await PortHolder.start(low)
        defer { holder.stop() }
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
            #expect((low...high).contains(assigned) && assigned != low, "service port \(assigned) is outside --service-ports")

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
}

import Foundation
import Testing
@testable import WharfServer
import WharfModel
import WharfScheduler

@Suite("Service ports the router cannot listen on", .timeLimit(.minutes(1)))
struct RouteListenerErrorTests {
    typealias F = MarathonAPIFixtures

    @Test("they show in the app's routeErrors and, with count 0, in /v2/queue")
    func rendered() throws {
        let web = F.app("/web")  // service port 10000
        let other = F.app("/other")
        var state = F.state(apps: [web], perApp: 2)
        state.setApp(other.id, {
            var app = other
            app.portDefinitions = [PortDefinition(port: 10_001, name: "default")]
            return app
        }())
        state.routeListenerErrors = [10_000: "service port 10000: cannot listen on 0.0.0.0:10000: Address already in use"]

        var renderer = AppInfoRenderer(state: state, cache: AppJSONCache())
        var w = JSONWriter()
        renderer.write(web, embed: [], into: &w)
        let app = try #require(try F.json(w.bytes) as? [String: Any])
        #expect(app["routeErrors"] as? [String] == ["service port 10000: cannot listen on 0.0.0.0:10000: Address already in use"])
        var clean = JSONWriter()
        renderer.write(state.apps[other.id]!, embed: [], into: &clean)
        #expect((try F.json(clean.bytes) as? [String: Any])?["routeErrors"] == nil)

        var session = AppJSONCache().session()
        let queue = try #require(try F.json(QueueRenderer.document(state: state, cache: &session, now: F.t0)) as? [String: Any])
        let items = try #require(queue["queue"] as? [[String: Any]])
        #expect(items.count == 1)
        #expect((items.first?["app"] as? [String: Any])?["id"] as? String == "/web")
        #expect(items.first?["count"] as? Int == 0)
        #expect((items.first?["routeErrors"] as? [String])?.first?.contains("Address already in use") == true)
    }

    @Test("every change is a route_listener_event, sent only to subscribers that ask for it")
    func events() async throws {
        let h = try await ControlPlaneHarness.start(agents: 1)
        defer { Task { await h.stop() } }
        var app = sleepApp("/db")
        app.portDefinitions = [PortDefinition(port: 10_300, name: "db")]
        _ = try await h.controlPlane.deploy(DeployRequest(apps: [app.id: app]))
        let asked = h.controlPlane.events.subscribe(types: ["route_listener_event"])
        let everything = h.controlPlane.events.subscribe()

        await h.controlPlane.routeListenersChanged([10_300: "service port 10300: in use"])
        await h.controlPlane.routeListenersChanged([10_300: "service port 10300: in use"])  // no change, no event
        await h.controlPlane.routeListenersChanged([:])
        h.controlPlane.events.shutdown()

        var received: [[String: Any]] = []
        for await frame in asked {
            received.append(try #require(try JSONSerialization.jsonObject(with: frame.json) as? [String: Any]))
        }
        #expect(received.count == 2, "\(received)")
        #expect(received.first?["appId"] as? String == "/db")
        #expect(received.first?["servicePort"] as? Int == 10_300)
        #expect(received.first?["listening"] as? Bool == false)
        #expect(received.first?["message"] as? String == "service port 10300: in use")
        #expect(received.last?["listening"] as? Bool == true)
        #expect(received.last?["message"] == nil)
        var unasked: [String] = []
        for await frame in everything { unasked.append(frame.eventType) }
        #expect(!unasked.contains("route_listener_event"), "\(unasked)")
        #expect(await h.state.routeListenerErrors.isEmpty)
    }
}

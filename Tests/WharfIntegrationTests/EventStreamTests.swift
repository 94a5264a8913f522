import Foundation
import Testing

/// `/v2/events` as Server-Sent Events with Marathon's event types and payloads.
@Suite("Event stream", .timeLimit(.minutes(15)))
struct EventStreamTests {
    @Test("a deploy produces api_post_event, deployment_info, status_update_event and deployment_success")
    func deployEvents() async throws {
        try await withWharf { wharf in
            let stream = EventStream(wharf.api)
            defer { stream.close() }
            try await stream.waitUntilAttached()
            #expect(stream.responseStatus == 200)
            #expect(stream.events.first?.eventType == "event_stream_attached", "first event: \(String(describing: stream.events.first))")

            let created = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/evented"))
            let deploymentId = try #require(MarathonClient.deploymentId(created), "\(created)")

            let success = try await stream.waitFor("deployment_success of \(deploymentId)") {
                $0.eventType == "deployment_success"
                    && ($0.payload["id"]?.string == deploymentId || $0.payload["plan"]?["id"]?.string == deploymentId)
            }
            #expect(success.name == "deployment_success", "SSE event: field should carry the eventType")
            #expect(success.payload["timestamp"]?.string != nil)

            let post = try #require(stream.events(ofType: "api_post_event").first, "no api_post_event")
            #expect(post.payload["appDefinition"]?["id"]?.string == "/evented")
            #expect(post.payload["uri"]?.string?.hasPrefix("/v2/apps") == true, "\(post.payload)")

            let info = try #require(
                stream.events(ofType: "deployment_info").first { $0.payload["plan"]?["id"]?.string == deploymentId },
                "no deployment_info for \(deploymentId)"
            )
            let actions = info.payload["currentStep"]?["actions"]?.array ?? []
            #expect(actions.contains { $0["app"]?.string == "/evented" && $0["action"]?.string != nil }, "\(info.payload)")

            let running = try #require(
                stream.events(ofType: "status_update_event").first {
                    $0.payload["appId"]?.string == "/evented" && $0.payload["taskStatus"]?.string == "TASK_RUNNING"
                },
                "no TASK_RUNNING status_update_event"
            )
            #expect(running.payload["taskId"]?.string != nil)
            #expect(running.payload["host"]?.string == "127.0.0.1")
            #expect(running.payload["version"]?.string == created.json["version"]?.string)

            // Every frame is a JSON object with eventType and timestamp.
            for event in stream.events {
                #expect(event.eventType != nil && event.payload["timestamp"]?.string != nil, "bad event \(event.payload)")
            }

            // Destroying the app ends with app_terminated_event.
            _ = try await wharf.api.delete(MarathonClient.appPath("/evented"))
            try await stream.waitFor("app_terminated_event") {
                $0.eventType == "app_terminated_event" && $0.payload["appId"]?.string == "/evented"
            }
        }
    }

    @Test("event_type filters the stream")
    func filter() async throws {
        try await withWharf { wharf in
            let filtered = EventStream(wharf.api, eventTypes: ["event_stream_attached", "deployment_success"])
            defer { filtered.close() }
            try await filtered.waitUntilAttached()

            let created = try await wharf.api.post("/v2/apps", Fixtures.sleeper("/filtered"))
            let deploymentId = try #require(MarathonClient.deploymentId(created))
            try await filtered.waitFor("deployment_success") { $0.eventType == "deployment_success" }
            try await wharf.api.waitForDeployment(deploymentId)

            let types = Set(filtered.events.compactMap(\.eventType))
            #expect(types == ["event_stream_attached", "deployment_success"], "unfiltered events arrived: \(types)")
        }
    }
}

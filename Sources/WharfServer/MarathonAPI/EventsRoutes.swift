import Hummingbird
import NIOCore
import ServiceLifecycle
import WharfModel

/// `GET /v2/events`: Marathon's event stream as Server-Sent Events (`HttpEventStreamServlet.scala`).
///
/// Every event whose type is in the repeatable `event_type` filter (all when absent) is sent as
/// `event: <type>\ndata: <json>\n\n`, starting with `event_stream_attached` (which, as in Marathon,
/// passes the same filter). A blank line every
/// 15 s keeps proxies from timing the stream out and lets the server notice a client that left.
/// A client more than 1,024 events behind is disconnected by the `EventBus`, as Marathon does, and
/// every stream ends on graceful shutdown so that the server can drain.
enum EventsRoutes {
    static let heartbeatInterval = Duration.seconds(15)

    /// The event types Wharf publishes (Marathon's names, `core/event/Events.scala`).
    static let eventTypes = [
        "event_stream_attached", "event_stream_detached", "api_post_event", "status_update_event",
        "instance_changed_event", "instance_health_changed_event", "health_status_changed_event",
        "failed_health_check_event", "unhealthy_instance_kill_event", "deployment_info", "deployment_step_success",
        "deployment_step_failure", "deployment_success", "deployment_failed", "group_change_success",
        "app_terminated_event",
    ]

    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v2/events", tag: "events", summary: "Subscribe to the event stream (text/event-stream).",
                      parameters: [.init("event_type", .string, "Only events of these types (other values match nothing).",
                                         repeated: true, allowed: eventTypes),
                                   .init("plan-format", .string, "Accepted for compatibility; plans are always light.",
                                         allowed: ["light", "full"])],
                      responses: [(200, "Server-Sent Events.")], handler: stream),
    ]

    static func stream(_ call: MarathonCall) async throws -> Response {
        let types = Set(call.query.values("event_type").filter { !$0.isEmpty })
        let events = call.controlPlane.events.subscribe(types: types)
        let attached = EventStreamAttachedEvent(remoteAddress: call.clientIp).frame()
        let body = ResponseBody { writer in
            if types.isEmpty || types.contains(attached.eventType) {
                try await writer.write(ByteBuffer(bytes: attached.sseBytes))
            }
            let (merged, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingOldest(2048))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // A client that falls this far behind is disconnected, as Marathon does, rather
                    // than silently losing events.
                    for await frame in events {
                        if case .dropped = continuation.yield(ByteBuffer(bytes: frame.sseBytes)) { break }
                    }
                    continuation.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: heartbeatInterval)
                        continuation.yield(ByteBuffer(string: "\n"))
                    }
                }
                defer {
                    group.cancelAll()
                    continuation.finish()
                }
                try await withGracefulShutdownHandler {
                    for await buffer in merged { try await writer.write(buffer) }
                } onGracefulShutdown: {
                    continuation.finish()
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

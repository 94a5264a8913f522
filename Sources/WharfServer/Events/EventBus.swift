import Foundation
import WharfModel

/// One event as it goes out on `/v2/events`: its Marathon `eventType` and the JSON payload,
/// encoded once when published and shared by every subscriber.
public struct EventFrame: Sendable {
    public var eventType: String
    public var json: Data
    /// Whether only subscribers that name `eventType` in their filter receive it.
    public var isDeliveredOnRequestOnly = false

    /// The Server-Sent Events frame: `event: <type>\ndata: <json>\n\n`.
    public var sseBytes: Data {
        var out = Data("event: \(eventType)\ndata: ".utf8)
        out.append(json)
        out.append(contentsOf: [0x0a, 0x0a])
        return out
    }
}

/// Fan-out of control-plane events to subscribers (SSE clients, later the router and DNS).
///
/// Publishing never blocks: each subscriber has a bounded buffer (Marathon's
/// `--event_stream_max_outstanding_messages`, 1024) and a subscriber that falls that far behind is
/// disconnected, as Marathon does, rather than slowing the control plane down.
public final class EventBus: Sendable {
    private struct Subscriber {
        var types: Set<String>
        var continuation: AsyncStream<EventFrame>.Continuation

        /// Whether this subscriber receives events of `type`.
        func wants(_ type: String, onRequestOnly: Bool) -> Bool {
            types.contains(type) || (types.isEmpty && !onRequestOnly)
        }
    }

    private let state = LockedValue<(next: Int, subscribers: [Int: Subscriber])>((0, [:]))
    private let maxOutstanding: Int

    public init(maxOutstanding: Int = 1024) {
        self.maxOutstanding = maxOutstanding
    }

    /// Publishes an event to every subscriber whose filter accepts its type.
    public func publish(_ event: some MarathonEvent) {
        let wanted = state.withLock { state in
            state.subscribers.values.contains { $0.wants(event.eventType, onRequestOnly: event.isDeliveredOnRequestOnly) }
        }
        guard wanted else { return }
        publish(event.frame())
    }

    /// Publishes a pre-encoded frame.
    public func publish(_ frame: EventFrame) {
        let targets = state.withLock { state in
            state.subscribers.filter { $0.value.wants(frame.eventType, onRequestOnly: frame.isDeliveredOnRequestOnly) }
        }
        for (id, subscriber) in targets {
            if case .dropped = subscriber.continuation.yield(frame) {
                subscriber.continuation.finish()
                remove(id)
            }
        }
    }

    /// Subscribes to events whose type is in `types` (when empty: all that are not delivered on
    /// request only). The stream ends when the
    /// subscriber falls more than `maxOutstanding` events behind or the bus shuts down.
    public func subscribe(types: Set<String> = []) -> AsyncStream<EventFrame> {
        let (stream, continuation) = AsyncStream<EventFrame>.makeStream(bufferingPolicy: .bufferingOldest(maxOutstanding))
        let id = state.withLock { state in
            let id = state.next
            state.next += 1
            state.subscribers[id] = Subscriber(types: types, continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return stream
    }

    /// Subscribers now (`wharf_event_stream_subscribers`).
    public var subscriberCount: Int {
        state.withLock { $0.subscribers.count }
    }

    /// Ends every subscription.
    public func shutdown() {
        let all = state.withLock { state in
            let all = state.subscribers.values
            state.subscribers = [:]
            return all
        }
        for subscriber in all { subscriber.continuation.finish() }
    }

    private func remove(_ id: Int) {
        state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
    }
}

import Foundation
import Synchronization
import Testing
import WharfServer

/// Reads an event subscription in the background and keeps every frame, so that tests wait for an
/// event with a deadline instead of awaiting the stream (which hangs if the event never comes).
final class EventRecorder: Sendable {
    /// The frames received, shared with the reading task.
    private final class Frames: Sendable {
        let list = Mutex<[EventFrame]>([])
    }
    private let frames = Frames()
    private let consumer: Task<Void, Never>
    /// How many frames `next` has handed out.
    private let delivered = Mutex(0)

    init(_ stream: AsyncStream<EventFrame>) {
        let frames = self.frames
        consumer = Task {
            for await frame in stream { frames.list.withLock { $0.append(frame) } }
        }
    }

    deinit { consumer.cancel() }

    /// Every frame received so far.
    var received: [EventFrame] { frames.list.withLock { $0 } }

    /// The frame after the last one `next` returned, waiting up to `timeout` seconds for it.
    func next(timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) async throws -> EventFrame {
        let index = delivered.withLock { $0 }
        let frame = try await wait(timeout: timeout, "event number \(index + 1)", sourceLocation: sourceLocation) { frames in
            frames.count > index ? frames[index] : nil
        }
        delivered.withLock { $0 = index + 1 }
        return frame
    }

    /// The first frame (of all received) for which `matches` holds, waiting up to `timeout` seconds.
    func first(timeout: Double = 10, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
               where matches: (EventFrame) -> Bool) async throws -> EventFrame {
        try await wait(timeout: timeout, what, sourceLocation: sourceLocation) { frames in frames.first(where: matches) }
    }

    /// The JSON object of `frame`.
    static func object(_ frame: EventFrame) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: frame.json) as? [String: Any])
    }

    private func wait<T>(timeout: Double, _ what: String, sourceLocation: SourceLocation,
                         _ find: ([EventFrame]) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while true {
            if let found = frames.list.withLock({ find($0) }) { return found }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("timed out after \(timeout) s waiting for \(what)", sourceLocation: sourceLocation)
        throw CancellationError()
    }
}

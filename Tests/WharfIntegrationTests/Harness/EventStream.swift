import AsyncHTTPClient
import Foundation
import Synchronization

/// One event received from `/v2/events`.
struct ReceivedEvent: Sendable {
    /// The SSE `event:` field.
    var name: String
    /// The parsed `data:` payload.
    var payload: JSON

    var eventType: String? { payload["eventType"]?.string }
}

/// A subscription to a server's `/v2/events` that records every event in the background, so tests
/// can wait for the events they expect with `waitUntil`.
final class EventStream: Sendable {
    private let received = Mutex<[ReceivedEvent]>([])
    private let status = Mutex<Int?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Everything received so far, in arrival order.
    var events: [ReceivedEvent] { received.withLock { $0 } }

    /// The HTTP status of the stream response, once it arrived.
    var responseStatus: Int? { status.withLock { $0 } }

    /// Opens the stream with optional `event_type` filters.
    init(_ api: MarathonClient, eventTypes: [String] = []) {
        let query = eventTypes.isEmpty ? "" : "?" + eventTypes.map { "event_type=\($0)" }.joined(separator: "&")
        var request = HTTPClientRequest(url: api.baseURL + "/v2/events" + query)
        request.headers.add(name: "Accept", value: "text/event-stream")
        let handle = Task { [weak self] in
            do {
                let response = try await MarathonClient.http.execute(request, timeout: .hours(1))
                self?.status.withLock { $0 = Int(response.status.code) }
                var parser = SSEParser()
                for try await chunk in response.body {
                    let events = parser.feed(Array(chunk.readableBytesView))
                    guard let self else { return }
                    self.received.withLock { $0.append(contentsOf: events) }
                }
            } catch {
                // Cancelled by close(), or the server went away; the test notices missing events.
            }
        }
        task.withLock { $0 = handle }
    }

    /// Events of `eventType` received so far.
    func events(ofType eventType: String) -> [ReceivedEvent] {
        events.filter { $0.eventType == eventType || $0.name == eventType }
    }

    /// Waits until an event satisfying `predicate` has arrived and returns the first such event.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Duration = .seconds(60), where predicate: @escaping (ReceivedEvent) -> Bool
    ) async throws -> ReceivedEvent {
        try await poll("event \(what) arrives", timeout: timeout, every: .milliseconds(50)) {
            self.events.first(where: predicate)
        }
    }

    /// Waits until `event_stream_attached` arrived, i.e. the server has registered this subscriber.
    func waitUntilAttached() async throws {
        try await waitFor("event_stream_attached") { $0.eventType == "event_stream_attached" }
    }

    /// Ends the subscription.
    func close() {
        task.withLock { $0?.cancel() }
    }

    deinit {
        task.withLock { $0?.cancel() }
    }
}

/// Incremental `text/event-stream` parser.
struct SSEParser {
    private var buffer: [UInt8] = []
    private var name = ""
    private var data: [String] = []

    mutating func feed(_ bytes: [UInt8]) -> [ReceivedEvent] {
        buffer.append(contentsOf: bytes)
        var events: [ReceivedEvent] = []
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            var lineBytes = buffer[..<newline]
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
            let line = String(decoding: lineBytes, as: UTF8.self)
            buffer.removeSubrange(...newline)
            if line.isEmpty {
                if !data.isEmpty {
                    let text = data.joined(separator: "\n")
                    events.append(ReceivedEvent(name: name.isEmpty ? "message" : name, payload: JSON(data: Data(text.utf8)) ?? .string(text)))
                }
                name = ""
                data = []
            } else if line.hasPrefix(":") {
                continue
            } else if let colon = line.firstIndex(of: ":") {
                var value = line[line.index(after: colon)...]
                if value.hasPrefix(" ") { value = value.dropFirst() }
                switch line[..<colon] {
                case "event": name = String(value)
                case "data": data.append(String(value))
                default: break
                }
            }
        }
        return events
    }
}

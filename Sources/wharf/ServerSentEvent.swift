/// One Server-Sent Event (`event:` name and joined `data:` lines).
struct ServerSentEvent: Sendable {
    var event: String
    var data: String
}

/// Incremental parser of a `text/event-stream` body: feed bytes as they arrive, get complete events.
struct ServerSentEventParser {
    private var buffer: [UInt8] = []
    private var event = ""
    private var data: [String] = []

    /// Consumes `bytes` and returns the events they complete (an event ends at an empty line).
    mutating func feed(_ bytes: [UInt8]) -> [ServerSentEvent] {
        buffer.append(contentsOf: bytes)
        var events: [ServerSentEvent] = []
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            var lineBytes = buffer[buffer.startIndex..<newline]
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
            let line = String(decoding: lineBytes, as: UTF8.self)
            buffer.removeSubrange(buffer.startIndex...newline)
            if line.isEmpty {
                if !data.isEmpty || !event.isEmpty {
                    events.append(ServerSentEvent(event: event.isEmpty ? "message" : event, data: data.joined(separator: "\n")))
                }
                event = ""
                data = []
            } else if line.hasPrefix(":") {
                continue
            } else {
                let (field, value) = Self.split(line)
                switch field {
                case "event": event = value
                case "data": data.append(value)
                default: break
                }
            }
        }
        return events
    }

    private static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.hasPrefix(" ") { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}

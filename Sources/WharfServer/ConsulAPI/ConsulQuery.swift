import Foundation

/// The query options Consul's read endpoints share: blocking (`index`, `wait`), `dc`, `tag`,
/// `passing`, and the consistency flags that a single authority can accept and ignore.
struct ConsulQuery: Sendable {
    /// Consul's `max_query_time`.
    static let maxWait: Duration = .seconds(600)
    /// Consul's `default_query_time`.
    static let defaultWait: Duration = .seconds(300)

    /// `index`: block until the result's index is above it; 0 or absent answers at once.
    var index: UInt64 = 0
    /// How long to block at most, already capped and with Consul's jitter of up to wait/16 added.
    var wait: Duration = defaultWait
    var datacenter: String?
    /// `tag` (repeatable): every one must be present.
    var tags: [String] = []
    /// `passing`: only endpoints whose every check passes.
    var passing = false

    /// Reads the options from `query`; a malformed `index` or `wait` is an error with Consul's wording.
    init(_ query: QueryParameters) throws(ConsulAPIError) {
        if let raw = query["index"], !raw.isEmpty {
            guard let value = UInt64(raw) else { throw ConsulAPIError(status: 400, message: "Invalid index") }
            index = value
        }
        if let raw = query["wait"], !raw.isEmpty {
            guard let parsed = Self.parseGoDuration(raw) else { throw ConsulAPIError(status: 400, message: "Invalid wait time") }
            // As Consul: no positive wait means the default, never a busy loop.
            wait = parsed > .zero ? min(parsed, Self.maxWait) : Self.defaultWait
        }
        if wait > .zero {
            let jitterMillis = Int64(wait.components.seconds * 1000 / 16)
            if jitterMillis > 0 { wait += .milliseconds(Int64.random(in: 0...jitterMillis)) }
        }
        datacenter = query["dc"].flatMap { $0.isEmpty ? nil : $0 }
        tags = query.values("tag").filter { !$0.isEmpty }
        // Consul treats a present `passing` as true unless it parses as false.
        if let raw = query["passing"] {
            passing = !(raw == "0" || raw.lowercased() == "false")
        }
        if let filter = query["filter"], !filter.isEmpty {
            throw ConsulAPIError(status: 400, message: "Wharf does not support the filter parameter; use tag and passing")
        }
    }

    /// Go's `time.ParseDuration`: `300ms`, `1.5h`, `2h45m`, `10s`, `0`. Negative values count as 0.
    static func parseGoDuration(_ text: String) -> Duration? {
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return .zero }
        guard !rest.isEmpty else { return nil }
        var totalNanos: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, number != ".", let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs", "μs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return nil
            }
            totalNanos += value * scale
        }
        guard totalNanos.isFinite, totalNanos < 1e18 else { return nil }
        return negative ? .zero : .nanoseconds(Int64(totalNanos))
    }
}

/// An error of the Consul API: a status and Consul's plain-text message.
struct ConsulAPIError: Error, Sendable {
    var status: Int
    var message: String
}

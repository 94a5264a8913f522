import Foundation

/// Content negotiation of `GET /ping` (Marathon's `SystemResource.ping`): plain text by default,
/// a JSON string when the client prefers `application/json`, nothing (204) when it accepts neither.
enum PingFormat: Equatable, Sendable {
    case text
    case json
    case notAcceptable

    /// Picks the format from an `Accept` header: media ranges by `q` (highest first, ties in
    /// header order); no header means anything.
    static func negotiate(accept: String?) -> PingFormat {
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return .text }
        var ranges: [(type: String, q: Double, order: Int)] = []
        for (order, part) in accept.split(separator: ",").enumerated() {
            let pieces = part.split(separator: ";")
            guard let type = pieces.first?.trimmingCharacters(in: .whitespaces).lowercased(), !type.isEmpty else { continue }
            var q = 1.0
            for parameter in pieces.dropFirst() {
                let kv = parameter.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces) == "q" else { continue }
                if let value = Double(kv[1].trimmingCharacters(in: .whitespaces)) { q = value }
            }
            if q > 0 { ranges.append((type, q, order)) }
        }
        for range in ranges.sorted(by: { ($0.q, -$0.order) > ($1.q, -$1.order) }) {
            switch range.type {
            case "text/plain", "text/*", "*/*": return .text
            case "application/json", "application/*": return .json
            default: continue
            }
        }
        return .notAcceptable
    }
}

/// A path template of the Marathon API such as `/v2/apps/{id}/tasks/{taskId}`.
///
/// Marathon's app and group ids contain slashes (`/shop/web`), so the placeholders `{id}` and
/// `{group}` capture one or more segments (Jersey's `{id:.+}`); every other placeholder captures
/// exactly one segment. Matching backtracks, so `/v2/apps/a/b/tasks/t1` matches
/// `/v2/apps/{id}/tasks/{taskId}` with `id = a/b`, `taskId = t1`.
struct RouteTemplate: Hashable, Sendable, CustomStringConvertible {
    enum Segment: Hashable, Sendable {
        case literal(String)
        /// One segment.
        case capture(String)
        /// One or more segments, joined by `/`.
        case path(String)
    }

    /// Placeholder names that capture a path of several segments.
    static let pathPlaceholders: Set<String> = ["id", "group"]

    let template: String
    let segments: [Segment]

    init(_ template: String) {
        self.template = template
        segments = template.split(separator: "/", omittingEmptySubsequences: true).map { part in
            guard part.hasPrefix("{"), part.hasSuffix("}"), part.count > 2 else { return .literal(String(part)) }
            let name = String(part.dropFirst().dropLast())
            return Self.pathPlaceholders.contains(name) ? .path(name) : .capture(name)
        }
    }

    var description: String { template }

    /// Names of the placeholders, in order.
    var placeholders: [String] {
        segments.compactMap {
            switch $0 {
            case .literal: return nil
            case let .capture(name), let .path(name): return name
            }
        }
    }

    /// The literal segments before the first placeholder: where a router registers the template
    /// (followed by a recursive wildcard when the template has placeholders).
    var literalPrefix: [String] {
        var out: [String] = []
        for segment in segments {
            guard case let .literal(text) = segment else { break }
            out.append(text)
        }
        return out
    }

    /// Whether the template has no placeholders.
    var isStatic: Bool { placeholders.isEmpty }

    /// Matches a request path; returns the captured values by placeholder name, or nil.
    func match(_ path: String) -> [String: String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var captures: [String: String] = [:]
        return Self.match(segments[...], parts[...], &captures) ? captures : nil
    }

    private static func match(_ segments: ArraySlice<Segment>, _ parts: ArraySlice<Substring>,
                              _ captures: inout [String: String]) -> Bool {
        guard let segment = segments.first else { return parts.isEmpty }
        let rest = segments.dropFirst()
        switch segment {
        case let .literal(text):
            guard let part = parts.first, part == text else { return false }
            return match(rest, parts.dropFirst(), &captures)
        case let .capture(name):
            guard let part = parts.first else { return false }
            captures[name] = String(part)
            return match(rest, parts.dropFirst(), &captures)
        case let .path(name):
            // The rest of the template needs at least one part per remaining segment.
            let minimumRest = rest.count
            guard parts.count >= 1 + minimumRest else { return false }
            var take = parts.count - minimumRest
            while take >= 1 {
                var attempt = captures
                attempt[name] = parts.prefix(take).joined(separator: "/")
                if match(rest, parts.dropFirst(take), &attempt) {
                    captures = attempt
                    return true
                }
                take -= 1
            }
            return false
        }
    }
}

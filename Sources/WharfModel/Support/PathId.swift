/// An absolute, slash-separated identifier of an app or group, as Marathon uses them (`/shop/web`).
///
/// Input ids may be relative (`web`, `./web`, `../api`); they are resolved against a base group and
/// always stored absolute. The root group is `/`.
public struct PathId: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Path segments without slashes; empty for the root.
    public let segments: [String]

    /// The root group `/`.
    public static let root = PathId(segments: [])

    public init(segments: [String]) {
        self.segments = segments
    }

    /// Parses `raw` and resolves it against `base` when it is relative. `.` and `..` segments are resolved.
    public init(_ raw: String, relativeTo base: PathId = .root) {
        let absolute = raw.hasPrefix("/")
        var result = absolute ? [] : base.segments
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !result.isEmpty { result.removeLast() }
            default: result.append(String(part))
            }
        }
        self.segments = result
    }

    /// Whether this is the root group.
    public var isRoot: Bool { segments.isEmpty }

    /// The enclosing group (`/shop` for `/shop/web`); the root's parent is the root.
    public var parent: PathId { isRoot ? self : PathId(segments: Array(segments.dropLast())) }

    /// The last segment, or an empty string for the root.
    public var name: String { segments.last ?? "" }

    /// `/a/b` form.
    public var description: String { "/" + segments.joined(separator: "/") }

    /// Marathon's form used inside task ids: segments joined by `_` (`shop_web`).
    public var safeName: String { segments.joined(separator: "_") }

    /// Whether `self` is `other` or lies below it.
    public func isDescendant(of other: PathId) -> Bool {
        segments.count >= other.segments.count && Array(segments.prefix(other.segments.count)) == other.segments
    }

    /// Appends one segment.
    public func appending(_ segment: String) -> PathId { PathId(segments: segments + [segment]) }

    public static func < (lhs: PathId, rhs: PathId) -> Bool { lhs.description < rhs.description }
}

extension PathId: Codable {
    public init(from decoder: Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension PathId {
    /// Segments Marathon refuses as the last part of an app id, because they collide with API routes.
    public static let reservedNames: Set<String> = ["restart", "tasks", "versions", ".", ".."]

    /// Whether `segment` matches Marathon's id pattern: lowercase letters, digits, `-` and `.`,
    /// no leading or trailing `-` in any dot-separated label.
    public static func isValidSegment(_ segment: String) -> Bool {
        guard !segment.isEmpty else { return false }
        for label in segment.split(separator: ".", omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last else { return false }
            guard first != "-", last != "-" else { return false }
            for c in label.utf8 where !((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d) {
                return false
            }
        }
        return true
    }

    /// The regular expression Marathon reports when an id segment is invalid.
    public static let segmentPattern = "^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])$"
}

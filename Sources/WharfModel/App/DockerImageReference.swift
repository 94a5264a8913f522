import Foundation

/// A parsed Docker image reference (`container.docker.image`): `[registry/]path[:tag][@digest]`, following
/// the grammar of Docker's `distribution/reference` package, so that a name Docker would refuse is
/// refused when the app is submitted (422) instead of when an agent tries to pull it.
///
/// `127.0.0.1:5000/myapp:1` → registry `127.0.0.1:5000`, path `myapp`, tag `1`;
/// `busybox` → no registry (Docker Hub), path `busybox`, no tag (Docker pulls `latest`).
public struct DockerImageReference: Hashable, Sendable {
    /// `host[:port]` when the reference names a registry (first component has `.` or `:`, or is
    /// `localhost`, or has uppercase letters — Docker's rule); `nil` means Docker Hub.
    public var registry: String?
    /// Slash-separated lowercase repository path (`library/redis`, `myapp`).
    public var path: String
    public var tag: String?
    /// `sha256:<64 hex>`.
    public var digest: String?

    /// The repository as Docker's Engine API wants it in `fromImage`: registry and path, no tag.
    public var repository: String { registry.map { "\($0)/\(path)" } ?? path }

    /// Longest repository name (registry and path) Docker accepts.
    public static let maxNameLength = 255

    /// Why a string is not a valid reference; the text is Docker's own wording where it has one.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `reference`, or throws a `ParseError` saying which part is wrong.
    public init(parsing reference: String) throws(ParseError) {
        func fail(_ reason: String) -> ParseError { ParseError(description: "invalid reference format: \(reason)") }
        guard !reference.isEmpty else { throw fail("reference is empty") }
        guard !reference.contains(where: { $0.isWhitespace }) else { throw fail("must not contain whitespace") }

        var rest = Substring(reference)
        if let at = rest.firstIndex(of: "@") {
            let digest = rest[rest.index(after: at)...]
            guard Self.isSHA256Digest(digest) else {
                throw fail("digest '\(digest)' must be sha256: followed by 64 lowercase hex digits")
            }
            self.digest = String(digest)
            rest = rest[..<at]
        } else {
            self.digest = nil
        }
        // A tag is what follows the last ':' unless a '/' comes after it (then the ':' was a port).
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let tag = rest[rest.index(after: colon)...]
            guard Self.isTag(tag) else {
                throw fail("tag '\(tag)' must be 1-128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-'")
            }
            self.tag = String(tag)
            rest = rest[..<colon]
        } else {
            self.tag = nil
        }
        guard !rest.isEmpty else { throw fail("repository name is empty") }
        guard rest.count <= Self.maxNameLength else {
            throw fail("repository name must not be more than \(Self.maxNameLength) characters")
        }

        var components = rest.split(separator: "/", omittingEmptySubsequences: false)
        if components.count > 1, Self.looksLikeRegistry(components[0]) {
            let host = components.removeFirst()
            guard Self.isRegistry(host) else {
                throw fail("registry '\(host)' must be a host name or IPv4 address with an optional :port")
            }
            self.registry = String(host)
        } else {
            self.registry = nil
        }
        for component in components {
            if component.contains(where: { $0.isUppercase }) { throw fail("repository name must be lowercase") }
            guard Self.isPathComponent(component) else {
                throw fail("repository name component '\(component)' must be lowercase letters and digits, separated by '.', '_', '__' or dashes")
            }
        }
        self.path = components.joined(separator: "/")
    }

    // MARK: - Grammar pieces (ASCII only, as Docker's regular expressions)

    private static func isLowerAlnum(_ c: Character) -> Bool { c.isASCII && (c.isLowercase || c.isNumber) }
    private static func isAlnum(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
    static func isPathComponent(_ s: Substring) -> Bool {
        var chars = s[...]
        guard let first = chars.first, isLowerAlnum(first), let last = chars.last, isLowerAlnum(last) else { return false }
        while let c = chars.first {
            if isLowerAlnum(c) {
                chars = chars.dropFirst()
                continue
            }
            // A separator: '.', '_', '__', or one or more '-', always followed by an alphanumeric.
            let separator = chars.prefix { !isLowerAlnum($0) }
            let valid = separator == "." || separator == "_" || separator == "__" || separator.allSatisfy { $0 == "-" }
            guard valid else { return false }
            chars = chars.dropFirst(separator.count)
        }
        return true
    }

    /// Docker's test for "the first component is a registry".
    static func looksLikeRegistry(_ s: Substring) -> Bool {
        s.contains(".") || s.contains(":") || s == "localhost" || s.contains(where: { $0.isUppercase })
    }

    /// `host[:port]`, host = `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?` labels joined by '.'.
    static func isRegistry(_ s: Substring) -> Bool {
        let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(parts[1]),
                  port <= 65535 else { return false }
        }
        let labels = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return !parts[0].isEmpty && labels.allSatisfy { label in
            guard let first = label.first, let last = label.last, isAlnum(first), isAlnum(last) else { return false }
            return label.allSatisfy { isAlnum($0) || $0 == "-" }
        }
    }

    /// `[\w][\w.-]{0,127}`
    static func isTag(_ s: Substring) -> Bool {
        func word(_ c: Character) -> Bool { isAlnum(c) || c == "_" }
        guard let first = s.first, word(first), s.count <= 128 else { return false }
        return s.allSatisfy { word($0) || $0 == "." || $0 == "-" }
    }

    /// `sha256:` followed by 64 lowercase hex digits.
    static func isSHA256Digest(_ s: Substring) -> Bool {
        guard s.hasPrefix("sha256:") else { return false }
        let hex = s.dropFirst("sha256:".count)
        return hex.count == 64 && hex.allSatisfy { $0.isASCII && $0.isHexDigit && !$0.isUppercase }
    }
}

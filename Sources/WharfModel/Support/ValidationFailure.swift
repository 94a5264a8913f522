/// One entry of a Marathon error's `details`: a JSON path (`/healthChecks(0)/portIndex`, `/` for the
/// whole object) and the messages for it.
public struct ValidationFailure: Hashable, Sendable, CustomStringConvertible {
    /// Marathon-style path: `/` joined keys, array indexes as `(n)` after the key.
    public var path: String
    /// Human-readable messages, as Marathon words them.
    public var errors: [String]

    public init(path: String, errors: [String]) {
        self.path = path
        self.errors = errors
    }

    /// A failure with a single message.
    public init(path: String, _ error: String) {
        self.init(path: path, errors: [error])
    }

    public var description: String { "\(path): \(errors.joined(separator: "; "))" }

    /// The same failure below `prefix` (`/apps(0)` + `/id` → `/apps(0)/id`).
    public func prefixed(with prefix: String) -> ValidationFailure {
        guard !prefix.isEmpty, prefix != "/" else { return self }
        return ValidationFailure(path: path == "/" ? prefix : prefix + path, errors: errors)
    }

    /// Merges failures with the same path into one entry (errors in order, without duplicates),
    /// keeping the order in which paths first appear.
    public static func merged(_ failures: [ValidationFailure]) -> [ValidationFailure] {
        var order: [String] = []
        var byPath: [String: [String]] = [:]
        for failure in failures {
            if byPath[failure.path] == nil {
                order.append(failure.path)
                byPath[failure.path] = []
            }
            for error in failure.errors where !byPath[failure.path]!.contains(error) {
                byPath[failure.path]!.append(error)
            }
        }
        return order.map { ValidationFailure(path: $0, errors: byPath[$0]!) }
    }
}

extension PathId {
    /// Marathon's id rules (`state/PathId.scala`): every segment matches `segmentPattern`, the id is
    /// not the root and does not end with a reserved keyword. Failures are reported at `path`.
    public func validationFailures(at path: String, allowRoot: Bool = false) -> [ValidationFailure] {
        var messages: [String] = []
        if isRoot, !allowRoot { messages.append("Path must contain at least one path element") }
        if !segments.allSatisfy(PathId.isValidSegment) {
            messages.append("must fully match regular expression '\(PathId.segmentPattern)'")
        }
        if let last = segments.last, PathId.reservedNames.contains(last) {
            messages.append("must not end with any of the following reserved keywords: restart, tasks, versions, ., ..")
        }
        return messages.isEmpty ? [] : [ValidationFailure(path: path, errors: messages)]
    }

    /// Whether `raw` is written as an absolute id (`/a/b`). Relative input is resolved on decoding;
    /// places where Marathon requires absolute ids report "Path needs to be absolute".
    public static func isAbsolute(_ raw: String) -> Bool { raw.hasPrefix("/") }
}

/// Marathon's label selector for `GET /v2/apps?label=...` (`api/v2/LabelSelectorParsers.scala`).
///
/// A selector is a comma-separated list of terms that must all match:
/// `key` (the label exists), `key==value`, `key!=value`, `key in (a, b)`, `key notin (a, b)`.
/// As in Marathon every term except plain existence also requires the label to be present, so
/// `env!=prod` does not match apps without an `env` label. A backslash escapes the next character
/// (`a\,b` is the value `a,b`).
struct LabelSelector: Hashable, Sendable {
    /// One term of a selector.
    enum Term: Hashable, Sendable {
        case exists(String)
        case equals(String, String)
        case notEquals(String, String)
        case `in`(String, Set<String>)
        case notIn(String, Set<String>)

        func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case let .exists(key): return labels[key] != nil
            case let .equals(key, value): return labels[key] == value
            case let .notEquals(key, value): return labels[key].map { $0 != value } ?? false
            case let .in(key, values): return labels[key].map { values.contains($0) } ?? false
            case let .notIn(key, values): return labels[key].map { !values.contains($0) } ?? false
            }
        }
    }

    /// Why a selector could not be parsed; `message` is what the API answers (422).
    struct ParseError: Error, Hashable, Sendable {
        var message: String
    }

    var terms: [Term]

    /// Whether every term matches `labels`.
    func matches(_ labels: [String: String]) -> Bool {
        terms.allSatisfy { $0.matches(labels) }
    }

    /// Parses `text`; throws `ParseError` with Marathon's wording on malformed input.
    init(parsing text: String) throws(ParseError) {
        var parser = Parser(Array(text.unicodeScalars))
        do {
            terms = try parser.selectors()
        } catch let reason {
            throw ParseError(message: "Can not parse label selector \(text). Reason: \(reason.message)")
        }
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        private static let special: Set<Unicode.Scalar> = ["!", "=", ",", "(", ")"]

        mutating func selectors() throws(ParseError) -> [Term] {
            var result: [Term] = []
            skipSpace()
            if atEnd { return result }
            while true {
                result.append(try term())
                skipSpace()
                if atEnd { return result }
                try expect(",")
            }
        }

        private mutating func term() throws(ParseError) -> Term {
            skipSpace()
            let key = try label()
            skipSpace()
            if consume("==") {
                skipSpace()
                return .equals(key, try label())
            }
            if consume("!=") {
                skipSpace()
                return .notEquals(key, try label())
            }
            let save = index
            if let word = try? label() {
                if word == "in" { return .in(key, try set()) }
                if word == "notin" { return .notIn(key, try set()) }
                index = save
                throw ParseError(message: "unexpected '\(word)' after label '\(key)'")
            }
            index = save
            return .exists(key)
        }

        private mutating func set() throws(ParseError) -> Set<String> {
            skipSpace()
            try expect("(")
            var values: Set<String> = []
            skipSpace()
            if consume(")") { return values }
            while true {
                skipSpace()
                values.insert(try label())
                skipSpace()
                if consume(")") { return values }
                try expect(",")
            }
        }

        /// A key or value: characters other than whitespace and `!=,()`, with `\` escapes.
        private mutating func label() throws(ParseError) -> String {
            var out = String.UnicodeScalarView()
            while index < scalars.count {
                let c = scalars[index]
                if c == "\\" {
                    guard index + 1 < scalars.count else { throw ParseError(message: "dangling escape at end of input") }
                    out.append(scalars[index + 1])
                    index += 2
                    continue
                }
                if c.properties.isWhitespace || Self.special.contains(c) { break }
                out.append(c)
                index += 1
            }
            guard !out.isEmpty else {
                let found = atEnd ? "end of input" : "'\(scalars[index])'"
                throw ParseError(message: "expected a label at position \(index), found \(found)")
            }
            return String(out)
        }

        var atEnd: Bool { index >= scalars.count }

        private mutating func skipSpace() {
            while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
        }

        private mutating func consume(_ token: String) -> Bool {
            let tokenScalars = Array(token.unicodeScalars)
            guard index + tokenScalars.count <= scalars.count,
                  Array(scalars[index..<(index + tokenScalars.count)]) == tokenScalars else { return false }
            index += tokenScalars.count
            return true
        }

        private mutating func expect(_ token: String) throws(ParseError) {
            guard consume(token) else {
                let found = atEnd ? "end of input" : "'\(scalars[index])'"
                throw ParseError(message: "expected '\(token)' at position \(index), found \(found)")
            }
        }
    }
}

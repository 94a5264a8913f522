/// Parses a request body with the grammar Marathon's parser (Jackson 2.10 with its default features,
/// as Play JSON configures it) accepts: strict RFC 8259 JSON — no trailing commas, comments,
/// single quotes, unquoted names, `NaN`/`Infinity`, leading zeros or unescaped control characters.
/// As in Jackson, a UTF-8 byte-order mark is skipped and anything after the first complete value is
/// ignored.
///
/// Errors carry Jackson's wording (`Unexpected character ('}' (code 125)): was expecting double-quote
/// to start field name`), which Marathon returns as the `details` of its 400 "Invalid JSON".
struct StrictJSONParser {
    /// Why the body is not JSON, in Jackson's words.
    struct Failure: Error, Equatable {
        var message: String
    }

    /// How deeply arrays and objects may nest (as Foundation's JSON parsers): deeper input is refused
    /// rather than recursed into until the stack runs out.
    static let maximumDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private var line = 1
    private var lineStart = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The first JSON value of `data`.
    static func parse(_ data: some Collection<UInt8>) throws(Failure) -> OrderedJSON {
        var parser = StrictJSONParser(Array(data))
        if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        guard let first = parser.skipWhitespace() else {
            throw Failure(message: "No content to map due to end-of-input")
        }
        return try parser.value(startingWith: first)
    }

    // MARK: Values

    private mutating func value(startingWith byte: UInt8) throws(Failure) -> OrderedJSON {
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""):
            index += 1
            return .string(try stringBody())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "N"):
            if matches("NaN") { throw Failure(message: "Non-standard token 'NaN': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow") }
        case UInt8(ascii: "I"):
            if matches("Infinity") {
                throw Failure(message: "Non-standard token 'Infinity': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow")
            }
        case UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ","):
            throw unexpected(byte, "expected a value")
        case UInt8(ascii: "/"):
            throw unexpected(byte, Self.commentHint)
        case UInt8(ascii: "'"):
            throw unexpected(byte, "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
        default:
            break
        }
        if Self.isIdentifierStart(byte) { throw unrecognizedToken() }
        throw unexpected(byte, "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
    }

    private mutating func object() throws(Failure) -> OrderedJSON {
        let start = location()
        try enterNesting()
        defer { depth -= 1 }
        index += 1
        var members = OrderedMembers()
        guard var byte = skipWhitespace() else { throw endOfInput("Object", start) }
        if byte == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            guard byte == UInt8(ascii: "\"") else {
                if byte == UInt8(ascii: "/") { throw unexpected(byte, Self.commentHint) }
                throw unexpected(byte, "was expecting double-quote to start field name")
            }
            index += 1
            let key = try stringBody()
            guard let colon = skipWhitespace() else { throw endOfInput("Object", start) }
            guard colon == UInt8(ascii: ":") else {
                throw unexpected(colon, "was expecting a colon to separate field name and value")
            }
            index += 1
            guard let first = skipWhitespace() else { throw endOfInput("Object", start) }
            let value = try value(startingWith: first)
            members[key] = value
            guard let next = skipWhitespace() else { throw endOfInput("Object", start) }
            if next == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            guard next == UInt8(ascii: ",") else {
                if next == UInt8(ascii: "/") { throw unexpected(next, Self.commentHint) }
                throw unexpected(next, "was expecting comma to separate Object entries")
            }
            index += 1
            guard let following = skipWhitespace() else { throw endOfInput("Object", start) }
            byte = following
        }
    }

    private mutating func array() throws(Failure) -> OrderedJSON {
        let start = location()
        try enterNesting()
        defer { depth -= 1 }
        index += 1
        var elements: [OrderedJSON] = []
        guard var byte = skipWhitespace() else { throw endOfInput("Array", start) }
        if byte == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(startingWith: byte))
            guard let next = skipWhitespace() else { throw endOfInput("Array", start) }
            if next == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            guard next == UInt8(ascii: ",") else {
                if next == UInt8(ascii: "/") { throw unexpected(next, Self.commentHint) }
                throw unexpected(next, "was expecting comma to separate Array entries")
            }
            index += 1
            guard let following = skipWhitespace() else { throw endOfInput("Array", start) }
            byte = following
        }
    }

    /// Counts one more level of nesting; refuses input nested deeper than `maximumDepth`.
    private mutating func enterNesting() throws(Failure) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw Failure(message: "Document nesting depth (\(depth)) exceeds the maximum allowed (\(Self.maximumDepth))")
        }
    }

    /// The characters of a string after its opening quote, up to and including the closing one.
    private mutating func stringBody() throws(Failure) -> String {
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &out)
            case 0x00..<0x20:
                throw Failure(message: "Illegal unquoted character (\(Self.describe(byte))): has to be escaped using backslash to be included in string value")
            default:
                out.append(byte)
            }
        }
        throw Failure(message: "Unexpected end-of-input: was expecting closing quote for a string value")
    }

    private mutating func escape(into out: inout [UInt8]) throws(Failure) {
        guard index < bytes.count else { throw Failure(message: "Unexpected end-of-input in character escape sequence") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0c)
        case UInt8(ascii: "n"): out.append(0x0a)
        case UInt8(ascii: "r"): out.append(0x0d)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var unit = try hexUnit()
            if (0xD800..<0xDC00).contains(unit), bytes[index...].starts(with: Array("\\u".utf8)) {
                let resume = index
                index += 2
                let low = try hexUnit()
                if (0xDC00..<0xE000).contains(low) {
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    // A high surrogate without its low half: U+FFFD, and the next escape stands alone.
                    index = resume
                }
            }
            let scalar = Unicode.Scalar(unit) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw Failure(message: "Unrecognized character escape \(Self.describe(byte))")
        }
    }

    private mutating func hexUnit() throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw Failure(message: "Unexpected end-of-input in character escape sequence") }
            let byte = bytes[index]
            guard let digit = Self.hexValue(byte) else {
                throw Failure(message: "Unexpected character (\(Self.describe(byte))): expected a hex-digit for character escape sequence")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func number() throws(Failure) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, Self.isDigit(bytes[index]) else {
            if index < bytes.count { throw unexpected(bytes[index], "expected digit (0-9) to follow minus sign, for valid numeric value") }
            throw Failure(message: "Unexpected end-of-input in a Number value")
        }
        if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count, Self.isDigit(bytes[index + 1]) {
            throw Failure(message: "Invalid numeric value: Leading zeroes not allowed")
        }
        skipDigits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, Self.isDigit(bytes[index]) else {
                throw unexpectedInNumber("Decimal point not followed by a digit")
            }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw unexpectedInNumber("Exponent indicator not followed by a digit") }
            skipDigits()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func skipDigits() {
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
    }

    private mutating func literal(_ word: String, _ value: OrderedJSON) throws(Failure) -> OrderedJSON {
        guard matches(word) else { throw unrecognizedToken() }
        index += word.utf8.count
        return value
    }

    /// Whether `word` starts at the current position and is not followed by more identifier characters.
    private func matches(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard bytes[index...].starts(with: w) else { return false }
        let end = index + w.count
        return end >= bytes.count || !Self.isIdentifierPart(bytes[end])
    }

    // MARK: Whitespace and positions

    /// Skips whitespace; the next byte, or nil at the end of input.
    private mutating func skipWhitespace() -> UInt8? {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0d: index += 1
            case 0x0a:
                index += 1
                line += 1
                lineStart = index
            default: return bytes[index]
            }
        }
        return nil
    }

    private func location() -> (line: Int, column: Int) { (line, index - lineStart + 1) }

    // MARK: Errors

    private static let commentHint =
        "maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)"

    private func unexpected(_ byte: UInt8, _ comment: String) -> Failure {
        Failure(message: "Unexpected character (\(Self.describe(byte))): \(comment)")
    }

    private func unexpectedInNumber(_ comment: String) -> Failure {
        guard index < bytes.count else { return Failure(message: "Unexpected end-of-input in a Number value") }
        return Failure(message: "Unexpected character (\(Self.describe(bytes[index]))) in numeric value: \(comment)")
    }

    private func unrecognizedToken() -> Failure {
        var end = index
        while end < bytes.count, Self.isIdentifierPart(bytes[end]) { end += 1 }
        let token = String(decoding: bytes[index..<max(end, index + 1)], as: UTF8.self)
        return Failure(message: "Unrecognized token '\(token)': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
    }

    private func endOfInput(_ kind: String, _ start: (line: Int, column: Int)) -> Failure {
        Failure(message: "Unexpected end-of-input: expected close marker for \(kind) (start marker at [Source: (byte[])\"\(sourceExcerpt)\"; line: \(start.line), column: \(start.column)])")
    }

    /// The document as Jackson quotes it in locations: at most 500 bytes.
    private var sourceExcerpt: String {
        let limit = 500
        if bytes.count <= limit { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes.prefix(limit), as: UTF8.self) + "\"[truncated \(bytes.count - limit) bytes]"
    }

    /// Jackson's `_getCharDesc`: `'}' (code 125)`, or `(CTRL-CHAR, code 10)`.
    private static func describe(_ byte: UInt8) -> String {
        if byte < 0x20 { return "(CTRL-CHAR, code \(byte))" }
        if byte >= 0x80 { return "(code \(byte) / 0x\(String(byte, radix: 16)))" }
        return "'\(Character(Unicode.Scalar(byte)))' (code \(byte))"
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
    }

    private static func isIdentifierPart(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x41...0x46: UInt32(byte - 0x41 + 10)
        case 0x61...0x66: UInt32(byte - 0x61 + 10)
        default: nil
        }
    }
}

import WharfModel

/// Appends JSON to a byte array without intermediate objects: the hot path of `GET /v2/apps`
/// and `GET /v2/tasks`, where thousands of tasks are rendered per request.
///
/// The writer does not check structure; callers emit keys and separators themselves through
/// `key(_:)`, `comma()` and the value functions. Strings are escaped per RFC 8259 (quote,
/// backslash and control characters; `/` and non-ASCII are written as they are).
struct JSONWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(bytes other: some Sequence<UInt8>) {
        bytes.append(contentsOf: other)
    }

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func beginObject() { bytes.append(0x7b) }
    mutating func endObject() { bytes.append(0x7d) }
    mutating func beginArray() { bytes.append(0x5b) }
    mutating func endArray() { bytes.append(0x5d) }
    mutating func comma() { bytes.append(0x2c) }

    /// `"name":` — `name` must not need escaping (the API's own key names).
    mutating func key(_ name: StaticString) {
        bytes.append(0x22)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x22)
        bytes.append(0x3a)
    }

    /// `,"name":` — for every key after the first of an object.
    mutating func nextKey(_ name: StaticString) {
        bytes.append(0x2c)
        key(name)
    }

    /// A key that comes from data (label names, map keys), escaped.
    mutating func key(escaping name: String) {
        string(name)
        bytes.append(0x3a)
    }

    mutating func string(_ value: String) {
        bytes.append(0x22)
        var needsEscaping = false
        for c in value.utf8 where c < 0x20 || c == 0x22 || c == 0x5c {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            bytes.append(contentsOf: value.utf8)
        } else {
            for c in value.utf8 {
                switch c {
                case 0x22: bytes.append(0x5c); bytes.append(0x22)
                case 0x5c: bytes.append(0x5c); bytes.append(0x5c)
                case 0x0a: bytes.append(0x5c); bytes.append(0x6e)
                case 0x0d: bytes.append(0x5c); bytes.append(0x72)
                case 0x09: bytes.append(0x5c); bytes.append(0x74)
                case 0x08: bytes.append(0x5c); bytes.append(0x62)
                case 0x0c: bytes.append(0x5c); bytes.append(0x66)
                case 0..<0x20:
                    raw("\\u00")
                    bytes.append(Self.hex[Int(c >> 4)])
                    bytes.append(Self.hex[Int(c & 0x0f)])
                default:
                    bytes.append(c)
                }
            }
        }
        bytes.append(0x22)
    }

    mutating func int(_ value: Int) {
        if value >= 0 && value < 10 {
            bytes.append(0x30 + UInt8(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    mutating func int64(_ value: Int64) { bytes.append(contentsOf: String(value).utf8) }

    /// A finite double in the shortest form that round-trips; non-finite values become 0.
    mutating func double(_ value: Double) {
        guard value.isFinite else { bytes.append(0x30); return }
        if value == value.rounded(), abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
            bytes.append(contentsOf: ".0".utf8)
        } else {
            bytes.append(contentsOf: "\(value)".utf8)
        }
    }

    mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    mutating func null() { raw("null") }

    /// A timestamp as Marathon writes it (ISO-8601 UTC with milliseconds).
    mutating func timestamp(_ value: Timestamp) { string(value.iso8601) }

    /// `["a","b"]`.
    mutating func strings(_ values: [String]) {
        beginArray()
        for (index, value) in values.enumerated() {
            if index > 0 { comma() }
            string(value)
        }
        endArray()
    }

    /// `[1,2]`.
    mutating func ints(_ values: [Int]) {
        beginArray()
        for (index, value) in values.enumerated() {
            if index > 0 { comma() }
            int(value)
        }
        endArray()
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}

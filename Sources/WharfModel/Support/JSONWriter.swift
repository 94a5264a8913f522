import Foundation

/// A minimal, allocation-light JSON byte writer for hot response paths (`GET /v2/apps` with
/// thousands of apps), where `JSONEncoder`'s per-value overhead dominates.
///
/// Commas are inserted automatically: call `key(_:)` before each member value inside objects.
/// The writer does not check nesting; callers pair `begin`/`end` themselves.
public struct JSONWriter: Sendable {
    /// The UTF-8 JSON written so far.
    public private(set) var bytes: [UInt8]
    private var needsComma = false

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The output as `Data`.
    public var data: Data { Data(bytes) }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"name":`; the next value belongs to it.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes `"name":` for a compile-time key (no escaping needed, no per-call allocation).
    public mutating func key(literal name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a path id as a string (`"/a/b"`) without building the intermediate `String`.
    public mutating func pathId(_ id: PathId) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        if id.segments.isEmpty { bytes.append(UInt8(ascii: "/")) }
        for segment in id.segments {
            bytes.append(UInt8(ascii: "/"))
            appendEscaped(segment)
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Writes a timestamp as Marathon's ISO-8601 string with milliseconds.
    public mutating func timestamp(_ ts: Timestamp) {
        separate()
        let c = ts.components
        guard (0...9999).contains(c.year) else {
            appendQuoted(ts.iso8601)
            needsComma = true
            return
        }
        bytes.append(UInt8(ascii: "\""))
        appendDigits(c.year, 4); bytes.append(UInt8(ascii: "-"))
        appendDigits(c.month, 2); bytes.append(UInt8(ascii: "-"))
        appendDigits(c.day, 2); bytes.append(UInt8(ascii: "T"))
        appendDigits(c.hour, 2); bytes.append(UInt8(ascii: ":"))
        appendDigits(c.minute, 2); bytes.append(UInt8(ascii: ":"))
        appendDigits(c.second, 2); bytes.append(UInt8(ascii: "."))
        appendDigits(c.millisecond, 3)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    private mutating func appendDigits(_ value: Int64, _ width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            bytes.append(UInt8(truncatingIfNeeded: v / divisor) + 0x30)
            v %= divisor
            divisor /= 10
        }
    }

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    public mutating func int(_ value: Int) {
        separate()
        appendInteger(Int64(value))
        needsComma = true
    }

    public mutating func int64(_ value: Int64) {
        separate()
        appendInteger(value)
        needsComma = true
    }

    /// Integral values are written without a fraction (`128`, as `JSONEncoder` does); others in
    /// Swift's shortest round-trip form. Non-finite values (not representable in JSON) become `null`.
    public mutating func double(_ value: Double) {
        separate()
        if !value.isFinite {
            bytes.append(contentsOf: "null".utf8)
        } else if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int64(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// Appends an already-encoded JSON value verbatim (e.g. cached bytes).
    public mutating func raw(_ json: some Sequence<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// `raw` for bytes at hand (cached JSON): one copy, without the generic sequence path across
    /// modules.
    public mutating func raw(_ json: ArraySlice<UInt8>) {
        separate()
        json.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
        needsComma = true
    }

    public mutating func raw(_ json: [UInt8]) {
        raw(json[...])
    }

    // MARK: Convenience for common shapes

    public mutating func stringArray(_ values: [String]) {
        beginArray()
        for v in values { string(v) }
        endArray()
    }

    public mutating func intArray(_ values: [Int]) {
        beginArray()
        for v in values { int(v) }
        endArray()
    }

    /// A string map with keys in sorted order (deterministic output).
    public mutating func stringMap(_ map: [String: String]) {
        beginObject()
        for k in map.keys.sorted() {
            key(k)
            string(map[k]!)
        }
        endObject()
    }

    private mutating func appendInteger(_ value: Int64) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var v = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while v > 0 {
                buf[count] = UInt8(truncatingIfNeeded: v % 10) + 0x30
                v /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(buf[i]) }
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendQuoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(s)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `s` escaped for a JSON string; strings without special characters are copied whole.
    private mutating func appendEscaped(_ s: String) {
        var text = s
        let copied: Bool = text.withUTF8 { buffer in
            for byte in buffer where byte < 0x20 || byte == 0x22 || byte == 0x5c { return false }
            bytes.append(contentsOf: buffer)
            return true
        }
        if copied { return }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5c, 0x5c])
            case 0x0a: bytes.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: bytes.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0x00..<0x20:
                bytes.append(contentsOf: [0x5c, UInt8(ascii: "u"), 0x30, 0x30, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xf)]])
            default: bytes.append(byte)
            }
        }
    }
}

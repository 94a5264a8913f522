import WharfModel

/// One line of a task's output as an RFC 5424 syslog message, the shape Docker's `syslog` driver
/// with `syslog-format=rfc5424` sends and rsyslog parses:
/// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID app=".." task=".." stream=".."] MSG`.
///
/// APP-NAME is the app id (cut to 48 characters; the whole id is in the structured data), PROCID
/// the task id, MSGID the stream; stdout lines are severity info, stderr lines err (as Docker's
/// loggers). MSG is the line's bytes as they are, without a BOM (RFC 5424's MSG-ANY: task output
/// need not be UTF-8, and rsyslog would keep a BOM inside the message).
struct SyslogMessage: Sendable {
    /// `user` (1) unless configured; `local0`…`local7` are 16…23.
    var facility: Int = 1
    var timestamp: Timestamp
    var hostname: String
    /// The app id (`/prod/web`).
    var appId: String
    var taskId: String
    var stream: String
    /// The structured-data ID: a private one is `name@<IANA enterprise number>`.
    var structuredDataId: String
    var line: [UInt8]

    /// RFC 5424 severities: informational for stdout, error for stderr.
    var severity: Int { stream == "stderr" ? 3 : 6 }

    /// The message, its MSG cut so that the whole is at most `maxBytes` (a UDP datagram's limit;
    /// RFC 5426 asks receivers to take 2,048) at a UTF-8 character boundary where there is one.
    func encoded(maxBytes: Int = .max) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + line.count)
        // RFC 3339 in UTC with milliseconds, e.g. 2026-12-07T15:04:05.123Z.
        out += Array("<\(facility * 8 + severity)>1 \(timestamp.iso8601) ".utf8)
        out += Self.headerField(hostname, maxLength: 255) + [0x20]
        out += Self.headerField(appId, maxLength: 48) + [0x20]
        out += Self.headerField(taskId, maxLength: 128) + [0x20]
        out += Self.headerField(stream, maxLength: 32) + [0x20]
        out += Array("[\(structuredDataId)".utf8)
        for (name, value) in [("app", appId), ("task", taskId), ("stream", stream)] {
            out += Array(" \(name)=\"".utf8) + Self.escapedParamValue(value) + [UInt8(ascii: "\"")]
        }
        out.append(UInt8(ascii: "]"))
        guard !line.isEmpty else { return out }
        out.append(0x20)
        let room = max(0, maxBytes - out.count)
        out += Self.cutAtCharacterBoundary(line, to: room)
        return out
    }

    /// RFC 6587 octet-counted framing for TCP: `LENGTH SP MESSAGE`.
    static func octetCounted(_ message: [UInt8]) -> [UInt8] {
        Array("\(message.count) ".utf8) + message
    }

    /// A header field: printable US-ASCII only (other bytes become `_`), at most `maxLength`
    /// characters, `-` (nil) when empty.
    static func headerField(_ value: String, maxLength: Int) -> [UInt8] {
        let bytes = value.utf8.prefix(maxLength).map { (33...126).contains($0) ? $0 : UInt8(ascii: "_") }
        return bytes.isEmpty ? [UInt8(ascii: "-")] : bytes
    }

    /// A PARAM-VALUE: UTF-8 with `"`, `\` and `]` escaped by a backslash.
    static func escapedParamValue(_ value: String) -> [UInt8] {
        var out: [UInt8] = []
        for byte in value.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "]") {
                out.append(UInt8(ascii: "\\"))
            }
            out.append(byte)
        }
        return out
    }

    /// The first at most `count` bytes of `bytes`, not ending inside a UTF-8 sequence (bytes that
    /// are not UTF-8 are cut where the count says).
    static func cutAtCharacterBoundary(_ bytes: [UInt8], to count: Int) -> ArraySlice<UInt8> {
        guard bytes.count > count else { return bytes[...] }
        var end = count
        // Step back over continuation bytes (10xxxxxx) to the start of the cut character, at most 3.
        var back = 0
        while end > 0, back < 3, bytes[end] & 0xC0 == 0x80 {
            end -= 1
            back += 1
        }
        if back == 3 && bytes[end] & 0xC0 == 0x80 { end = count }
        return bytes[..<end]
    }
}

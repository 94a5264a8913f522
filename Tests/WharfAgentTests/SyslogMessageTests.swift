import Testing
@testable import WharfAgent
import WharfModel

/// RFC 5424 messages of task output lines, and RFC 6587 octet-counted framing.
@Suite("Syslog messages of task output")
struct SyslogMessageTests {
    static func message(stream: String = "stdout", line: String, app: String = "/prod/web") -> SyslogMessage {
        SyslogMessage(timestamp: Timestamp(millis: 1_765_119_845_123), hostname: "node-1", appId: app,
                      taskId: "prod_web.instance-1._app.1", stream: stream, structuredDataId: "wharf@32473",
                      line: Array(line.utf8))
    }

    @Test("header fields, structured data and severities")
    func layout() {
        let out = String(decoding: Self.message(line: "GET / 200").encoded(), as: UTF8.self)
        #expect(out == #"<14>1 2025-12-07T15:04:05.123Z node-1 /prod/web prod_web.instance-1._app.1 stdout "#
            + #"[wharf@32473 app="/prod/web" task="prod_web.instance-1._app.1" stream="stdout"] GET / 200"#)
        let error = String(decoding: Self.message(stream: "stderr", line: "boom").encoded(), as: UTF8.self)
        #expect(error.hasPrefix("<11>1 "), "stderr is user.err")
        var local = Self.message(line: "x")
        local.facility = 16
        #expect(String(decoding: local.encoded(), as: UTF8.self).hasPrefix("<134>1 "), "local0.info")
    }

    @Test("param values escape quote, backslash and bracket; header fields stay printable ASCII and short")
    func escaping() {
        #expect(String(decoding: SyslogMessage.escapedParamValue(#"a"b\c]d"#), as: UTF8.self) == #"a\"b\\c\]d"#)
        #expect(String(decoding: SyslogMessage.headerField("my app ü", maxLength: 48), as: UTF8.self) == "my_app___")
        #expect(SyslogMessage.headerField("", maxLength: 48) == Array("-".utf8))
        let long = "/" + String(repeating: "a", count: 100)
        let out = String(decoding: Self.message(line: "x", app: long).encoded(), as: UTF8.self)
        let fields = out.split(separator: " ")
        #expect(fields[3].count == 48, "APP-NAME is cut to 48")
        #expect(out.contains(#"app="\#(long)""#), "the whole app id is in the structured data")
    }

    @Test("an empty line has no MSG; a long one is cut to the limit at a character boundary")
    func message() {
        let empty = String(decoding: Self.message(line: "").encoded(), as: UTF8.self)
        #expect(empty.hasSuffix(#"stream="stdout"]"#))
        let line = String(repeating: "é", count: 2_000) // 2 bytes each
        let cut = Self.message(line: line).encoded(maxBytes: 480)
        #expect(cut.count <= 480 && cut.count >= 479)
        let text = String(decoding: cut, as: UTF8.self)
        #expect(!text.contains("\u{FFFD}"), "no character cut in half")
        #expect(Self.message(line: line).encoded().count > 4_000, "no limit, no cut")
    }

    @Test("TCP frames are the message's byte count, a space, the message")
    func octetCounting() {
        let message = Self.message(line: "héllo").encoded()
        let frame = SyslogMessage.octetCounted(message)
        #expect(frame == Array("\(message.count) ".utf8) + message)
        #expect(SyslogMessage.cutAtCharacterBoundary([0x61, 0xC3, 0xA9], to: 2) == [0x61])
        #expect(SyslogMessage.cutAtCharacterBoundary([0xFF, 0xFF, 0xFF], to: 2) == [0xFF, 0xFF], "not UTF-8: cut where asked")
    }
}

import Foundation
import Testing
import WharfMetrics

/// `--syslog`: every line of every task as an RFC 5424 message, over UDP (cut to 2,048 bytes) and
/// TCP (octet-counted, whole), with the app, task and stream in the header and structured data —
/// what the seeds' rsyslog set-up receives — and never holding a task up when nobody receives.
@Suite("Syslog shipping", .timeLimit(.minutes(10)))
struct SyslogShippingTests {
    /// One received message split into its RFC 5424 fields.
    struct Received {
        var priority: Int
        var fields: [String]
        var structuredData: String
        var message: [UInt8]

        init?(_ bytes: [UInt8]) {
            let text = String(decoding: bytes, as: UTF8.self)
            guard text.hasPrefix("<"), let close = text.firstIndex(of: ">"), let priority = Int(text[text.index(after: text.startIndex)..<close]),
                  let sdStart = text.firstIndex(of: "["), let sdEnd = text.range(of: "] ")?.lowerBound ?? (text.hasSuffix("]") ? text.index(before: text.endIndex) : nil)
            else { return nil }
            self.priority = priority
            fields = text[text.index(after: close)..<sdStart].split(separator: " ").map(String.init)
            structuredData = String(text[sdStart...sdEnd])
            let header = text[...sdEnd].utf8.count
            message = bytes.count > header + 1 ? Array(bytes[(header + 1)...]) : []
        }
    }

    static let app: JSON = [
        "id": "/shop/web", "instances": 1, "cpus": 0.1, "mem": 32,
        "cmd": .string("printf 'hello\\tw\\303\\266rld \"q\" ]\\n'; echo oops >&2; head -c 5000 /dev/zero | tr '\\0' x; echo; "
            + "head -c 60000 /dev/zero | tr '\\0' y; echo; sleep 600"),
    ]

    /// Checks the four messages of `app`'s task; `longLine`: the bytes of the 60,000-byte line that
    /// arrive (nil: cut to fit a datagram).
    static func check(_ receiver: SyslogReceiver, taskId: String, longLine: Int?) async throws {
        let messages = try await poll("4 messages arrived (have \(receiver.rawMessages.count))", timeout: .seconds(30)) { () -> [Received]? in
            let parsed = receiver.rawMessages.compactMap(Received.init)
            return parsed.count >= 4 ? parsed : nil
        }
        #expect(messages.count == 4)
        let hello = try #require(messages.first { $0.fields.last == "stdout" && $0.message.first == UInt8(ascii: "h") })
        #expect(hello.priority == 14, "stdout is user.info")
        #expect(hello.fields[0] == "1")
        #expect(hello.fields.count == 6, "\(hello.fields)")
        #expect(hello.fields[2] == "127.0.0.1", "HOSTNAME is the agent's host")
        #expect(hello.fields[3] == "/shop/web")
        #expect(hello.fields[4] == taskId)
        #expect(hello.structuredData == "[wharf@32473 app=\"/shop/web\" task=\"\(taskId)\" stream=\"stdout\"]")
        #expect(hello.message == Array("hello\twörld \"q\" ]".utf8))
        let oops = try #require(messages.first { $0.fields.last == "stderr" })
        #expect(oops.priority == 11, "stderr is user.err")
        #expect(oops.message == Array("oops".utf8))
        let xs = try #require(messages.first { $0.message.first == UInt8(ascii: "x") })
        #expect(xs.message.allSatisfy { $0 == UInt8(ascii: "x") })
        let ys = try #require(messages.first { $0.message.first == UInt8(ascii: "y") })
        if let longLine {
            #expect(ys.message.count == longLine, "the 60,000-byte line arrived with \(ys.message.count)")
            #expect(xs.message.count == 5000)
        } else {
            let whole = receiver.rawMessages.first { $0.last == UInt8(ascii: "y") }?.count
            #expect(whole.map { $0 > 1900 && $0 <= 2048 } == true, "a cut message of \(whole ?? 0) bytes")
        }
    }

    @Test("UDP: one datagram per line, RFC 5424 fields, cut to 2,048 bytes")
    func udp() async throws {
        let receiver = try SyslogReceiver(.udp)
        defer { receiver.close() }
        try await withWharf(["--syslog", receiver.url]) { wharf in
            #expect(try await wharf.api.post("/v2/apps", Self.app).status == 201)
            let task = try #require(try await wharf.api.waitForRunning("/shop/web", count: 1).first?["id"]?.string)
            // The long lines do not fit a datagram: cut to the limit (the whole message ≤ 2,048).
            try await Self.check(receiver, taskId: task, longLine: nil)
            for message in receiver.rawMessages { #expect(message.count <= 2048, "a datagram of \(message.count) bytes") }
        }
    }

    @Test("TCP: octet-counted frames carry long lines whole")
    func tcp() async throws {
        let receiver = try SyslogReceiver(.tcp)
        defer { receiver.close() }
        try await withWharf(["--syslog", receiver.url]) { wharf in
            #expect(try await wharf.api.post("/v2/apps", Self.app).status == 201)
            let task = try #require(try await wharf.api.waitForRunning("/shop/web", count: 1).first?["id"]?.string)
            try await Self.check(receiver, taskId: task, longLine: 60_000)
            #expect(receiver.unframed.isEmpty, "bytes outside octet-counted frames")
        }
    }

    @Test("nobody listening: the task is never held up and its log files are complete")
    func receiverDown() async throws {
        let nobody = PortAllocator.shared.block(of: 1).lowerBound
        try await withWharf(["--syslog", "tcp://127.0.0.1:\(nobody)"]) { wharf in
            let app: JSON = ["id": "/chatty", "instances": 1, "cpus": 0.1, "mem": 32,
                             "cmd": "seq 1 20000; echo done; sleep 600"]
            #expect(try await wharf.api.post("/v2/apps", app).status == 201)
            let task = try #require(try await wharf.api.waitForRunning("/chatty", count: 1).first?["id"]?.string)
            let text = try await poll("the task printed everything", timeout: .seconds(30)) { () -> String? in
                let text = try await wharf.api.request("GET", "/v2/tasks/\(task)/logs", accept: "*/*").text
                return text.hasSuffix("done\n") ? text : nil
            }
            #expect(text == (1...20000).map { "\($0)\n" }.joined() + "done\n")
            // The lines nobody received are counted.
            let samples = try await MetricsEndpointTests.scrape(wharf).samples
            #expect((ExpositionSample.value("wharf_syslog_messages_total", ["result": "dropped"], in: samples) ?? 0) > 10_000)
            #expect(ExpositionSample.value("wharf_syslog_messages_total", ["result": "sent"], in: samples) ?? 0 == 0)
            #expect((ExpositionSample.value("wharf_agent_task_output_bytes_total", in: samples) ?? 0) >= Double(text.utf8.count))
        }
    }
}

import NIOCore
import Testing
@testable import WharfDiscovery

@Suite("DNS message parsing", .timeLimit(.minutes(3)))
struct DNSMessageTests {
    typealias Support = DNSTestSupport

    func bytes(_ values: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: values) }

    /// A header with one question and the given counts, followed by `rest`.
    func packet(_ rest: [UInt8], questions: UInt16 = 1, answers: UInt16 = 0, additional: UInt16 = 0) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt16(7))
        buffer.writeInteger(UInt16(0x0100))
        buffer.writeInteger(questions)
        buffer.writeInteger(answers)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(additional)
        buffer.writeBytes(rest)
        return buffer
    }

    @Test func parsesQuestionAndEDNS() throws {
        let message = try DNSMessage(parsing: Support.query("Web.Service.consul", .srv, id: 99, edns: 1232))
        #expect(message.header.id == 99)
        #expect(message.header.recursionDesired)
        #expect(message.questions == [DNSQuestion(name: DNSName("Web.Service.consul")!, type: .srv)])
        #expect(message.edns == DNSEDNS(udpPayloadSize: 1232))
        #expect(message.udpResponseLimit == 1232)
        #expect(try DNSMessage(parsing: Support.query("a.consul", .a)).udpResponseLimit == 512)
        #expect(try DNSMessage(parsing: Support.query("a.consul", .a, edns: 100)).udpResponseLimit == 512)
        #expect(try DNSMessage(parsing: Support.query("a.consul", .a, edns: 9000)).udpResponseLimit == 4096)
    }

    @Test func rejectsTruncatedPackets() throws {
        let full = Support.query("web.service.consul", .a, edns: 4096)
        for length in 0 ..< full.readableBytes {
            #expect(throws: DNSParseError.self) { try DNSMessage(parsing: full.getSlice(at: 0, length: length)!) }
        }
        #expect(throws: Never.self) { try DNSMessage(parsing: full) }
    }

    @Test func followsBackwardPointers() throws {
        // Question 1 at 12: "a.consul"; question 2: "b" + pointer to "consul" (offset 14).
        let rest: [UInt8] = [1, 97, 6] + Array("consul".utf8) + [0, 0, 1, 0, 1, 1, 98, 0xC0, 14, 0, 1, 0, 1]
        let message = try DNSMessage(parsing: packet(rest, questions: 2))
        #expect(message.questions.map(\.name.description) == ["a.consul.", "b.consul."])
    }

    @Test func rejectsPointerLoopsAndForwardPointers() {
        // A pointer to itself.
        #expect(throws: DNSParseError.badPointer) { try DNSMessage(parsing: packet([0xC0, 12, 0, 1, 0, 1])) }
        // A pointer forward.
        #expect(throws: DNSParseError.badPointer) { try DNSMessage(parsing: packet([0xC0, 14, 1, 97, 0, 0, 1, 0, 1])) }
        // A label then a pointer back to that label: a loop through a "backward" pointer.
        #expect(throws: DNSParseError.badPointer) { try DNSMessage(parsing: packet([1, 97, 0xC0, 12, 0, 1, 0, 1])) }
        // Two names pointing at each other.
        let rest: [UInt8] = [1, 97, 0xC0, 18, 0, 1, 0, 1, 1, 98, 0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DNSParseError.badPointer) { try DNSMessage(parsing: packet(rest, questions: 2)) }
    }

    @Test func rejectsOversizeLabelsAndNames() {
        // Label types 01 and 10 are reserved (a length byte of 64 or more).
        #expect(throws: DNSParseError.badLabel) { try DNSMessage(parsing: packet([64] + Array(repeating: 97, count: 64) + [0, 0, 1, 0, 1])) }
        // 5 labels of 63 bytes: 320 bytes on the wire.
        let label: [UInt8] = [63] + Array(repeating: 97, count: 63)
        let long: [UInt8] = Array(Array(repeating: label, count: 5).joined())
        #expect(throws: DNSParseError.nameTooLong) { try DNSMessage(parsing: packet(long + [0, 0, 1, 0, 1])) }
        // A long name made long through a pointer is caught too.
        let half: [UInt8] = Array(Array(repeating: label, count: 3).joined())
        let viaPointer: [UInt8] = half + [0, 0, 1, 0, 1] + half + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DNSParseError.nameTooLong) { try DNSMessage(parsing: packet(viaPointer, questions: 2)) }
        #expect(DNSName(String(repeating: "a", count: 64) + ".consul") == nil)
        #expect(DNSName("a..consul") == nil)
    }

    @Test func rejectsImpossibleCounts() {
        #expect(throws: DNSParseError.impossibleCounts) {
            try DNSMessage(parsing: packet([1, 97, 0, 0, 1, 0, 1], questions: 1, answers: 60000))
        }
        #expect(throws: DNSParseError.self) { try DNSMessage(parsing: packet([1, 97, 0, 0, 1, 0, 1], additional: 1)) }
    }

    @Test func rejectsMisplacedOrRepeatedOPT() {
        let opt: [UInt8] = [0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]
        let question: [UInt8] = [1, 97, 0, 0, 1, 0, 1]
        #expect(throws: DNSParseError.badOPT) { try DNSMessage(parsing: packet(question + opt + opt, additional: 2)) }
        #expect(throws: DNSParseError.badOPT) { try DNSMessage(parsing: packet(question + opt, answers: 1)) }
        #expect(throws: DNSParseError.badOPT) { try DNSMessage(parsing: packet(question + [1, 97] + opt, additional: 1)) }
    }

    @Test func fuzzedPacketsNeverCrashTheResolver() {
        let catalog = Support.catalog()
        let resolver = DNSResolver(configuration: DNSConfiguration(extraDomains: ["wharf"]))
        var random = DNSRandom(seed: 42)
        let seeds = [
            Support.query("web.service.consul", .srv, edns: 4096),
            Support.query("primary.db.service.dc1.consul", .a),
            Support.query("_web._tcp.service.wharf", .srv, edns: 1232),
            Support.query("agent-1.node.consul", .a),
            packet([1, 97, 6] + Array("consul".utf8) + [0, 0, 1, 0, 1, 1, 98, 0xC0, 14, 0, 1, 0, 1], questions: 2),
        ]
        var answered = 0
        for round in 0 ..< 5000 {
            var bytes: [UInt8]
            if round % 5 == 0 {
                bytes = (0 ..< Int.random(in: 0 ... 80, using: &random)).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
            } else {
                let seed = seeds[round % seeds.count]
                bytes = Array(seed.readableBytesView)
                for _ in 0 ..< Int.random(in: 1 ... 6, using: &random) {
                    switch Int.random(in: 0 ..< 4, using: &random) {
                    case 0: bytes[Int.random(in: 0 ..< bytes.count, using: &random)] = UInt8.random(in: 0 ... 255, using: &random)
                    case 1: bytes = Array(bytes.prefix(Int.random(in: 0 ... bytes.count, using: &random)))
                    case 2: bytes.insert(UInt8.random(in: 0 ... 255, using: &random), at: Int.random(in: 0 ... bytes.count, using: &random))
                    default: if bytes.count > 12 { bytes[Int.random(in: 12 ..< bytes.count, using: &random)] = 0xC0 }
                    }
                    if bytes.isEmpty { break }
                }
            }
            let input = ByteBuffer(bytes: bytes)
            for transport in [DNSTransport.udp, .tcp] {
                var output = ByteBuffer()
                let outcome = resolver.respond(to: input, snapshot: catalog.snapshot, transport: transport, into: &output, random: &random)
                if case .answered = outcome {
                    answered += 1
                    // Whatever we answer must itself be a well-formed message within the limit.
                    #expect(output.readableBytes <= (transport == .udp ? 4096 : 65535))
                    #expect((try? Support.decode(output)) != nil, "bad response to \(bytes)")
                } else {
                    #expect(output.readableBytes == 0)
                }
            }
        }
        #expect(answered > 1000)
    }
}

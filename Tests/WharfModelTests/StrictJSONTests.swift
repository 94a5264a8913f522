import Foundation
import Testing
@testable import WharfModel

/// Request bodies are parsed with the grammar of Marathon's parser (Jackson's defaults): what it
/// refuses is a 400 "Invalid JSON" with Jackson's wording, whatever the endpoint.
@Suite("Strict JSON", .timeLimit(.minutes(1)))
struct StrictJSONTests {
    private func details(_ text: String) -> String? {
        do {
            _ = try MarathonInputError.canonicalJSON(Data(text.utf8))
            return nil
        } catch {
            guard case .malformedJSON(let details) = error else { return "unexpected \(error)" }
            #expect(error.status == 400 && error.message == "Invalid JSON")
            return details
        }
    }

    @Test(arguments: [
        (#"{"a": 1,}"#, "Unexpected character ('}' (code 125)): was expecting double-quote to start field name"),
        (#"[1, 2,]"#, "Unexpected character (']' (code 93)): expected a value"),
        (#"{"a": 1 // x"# + "\n}", "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)"),
        (#"{"a": NaN}"#, "Non-standard token 'NaN': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow"),
        (#"{"a": Infinity}"#, "Non-standard token 'Infinity': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow"),
        (#"{"a": 01}"#, "Invalid numeric value: Leading zeroes not allowed"),
        (#"{'a': 1}"#, "Unexpected character (''' (code 39)): was expecting double-quote to start field name"),
        (#"{a: 1}"#, "Unexpected character ('a' (code 97)): was expecting double-quote to start field name"),
        (#"{"a" 1}"#, "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value"),
        (#"{"a": 1 "b": 2}"#, "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries"),
        (#"{"a": tru}"#, "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
        ("{\"a\": \"x\ny\"}", "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value"),
        (#"{"id":"/test""#, "Unexpected end-of-input: expected close marker for Object (start marker at [Source: (byte[])\"{\"id\":\"/test\"\"; line: 1, column: 1])"),
    ])
    func refusedAsJacksonRefusesIt(body: String, message: String) {
        #expect(details(body) == message)
    }

    @Test("a high surrogate without its low half reads as U+FFFD and the next escape stands alone (no trap)")
    func brokenSurrogatePairs() throws {
        for (body, expected) in [(#"{"id":"\uD800\u0041"}"#, "\u{FFFD}A"), (#"{"id":"\uDBFF\uD800x"}"#, "\u{FFFD}\u{FFFD}x"),
                                 (#"{"id":"\uD83D\uDE00"}"#, "😀")] {
            let json = try MarathonInputError.canonicalJSON(Data(body.utf8))
            let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
            #expect(object["id"] as? String == expected, "\(body)")
        }
    }

    @Test("nesting deeper than 512 levels is a 400, not a stack overflow")
    func deepNestingIsRefused() {
        #expect(details(String(repeating: "[", count: 200_000))?.hasPrefix("Document nesting depth (513) exceeds") == true)
        #expect(details(String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600))?
            .hasPrefix("Document nesting depth") == true)
        #expect(details(String(repeating: "[", count: 512) + String(repeating: "]", count: 512)) == nil)
    }

    @Test func acceptedAsJacksonAcceptsIt() throws {
        // A byte-order mark is skipped, anything after the first value ignored, numbers kept as written.
        let body = try MarathonInputError.canonicalJSON(Data("\u{FEFF} {\"a\": 1.50, \"b\": -0, \"c\": 1e3, \"d\": \"\\u00e9\\/\"} trailing".utf8))
        #expect(String(decoding: body, as: UTF8.self) == #"{"a":1.50,"b":-0,"c":1e3,"d":"é/"}"#)
        // A repeated member keeps its first position and takes the last value (Play's JsObject).
        let repeated = try MarathonInputError.canonicalJSON(Data(#"{"a": 1, "b": 2, "a": 3}"#.utf8))
        #expect(String(decoding: repeated, as: UTF8.self) == #"{"a":3,"b":2}"#)
        #expect(throws: MarathonInputError.emptyBody) { try MarathonInputError.canonicalJSON(Data(" \n".utf8)) }
    }

    @Test("every app endpoint parses strictly: a trailing comma in a partial update or a group is a 400")
    func appBodiesUseTheStrictParser() {
        #expect(status { _ = try AppUpdate.decode(json: Data(#"{"cmd": "x y",}"#.utf8)) } == 400)
        #expect(status { _ = try GroupUpdate.decode(json: Data(#"{"id": "/g", "apps": [],}"#.utf8)) } == 400)
        #expect(status { _ = try AppDefinition.decode(json: Data(#"{"id": "/a", "cmd": "x y",}"#.utf8)) } == 400)
    }

    /// The status a decoder refuses with, nil when it accepts.
    private func status(_ decode: () throws -> Void) -> Int? {
        do {
            try decode()
            return nil
        } catch {
            return (error as? MarathonInputError)?.status
        }
    }
}

import Foundation
import Testing
@testable import WharfModel

@Suite("PathId, Timestamp, JSONWriter", .timeLimit(.minutes(3)))
struct SupportTests {
    @Test func pathResolution() {
        #expect(PathId("web", relativeTo: PathId("/shop")).description == "/shop/web")
        #expect(PathId("./web", relativeTo: PathId("/shop")).description == "/shop/web")
        #expect(PathId("../api", relativeTo: PathId("/shop/web")).description == "/shop/api")
        #expect(PathId("/abs", relativeTo: PathId("/shop")).description == "/abs")
        #expect(PathId("/a//b/").segments == ["a", "b"])
        #expect(PathId("/a/b").isDescendant(of: PathId("/a")))
        #expect(PathId.isAbsolute("/a") && !PathId.isAbsolute("a"))
    }

    @Test func timestampRoundTrip() {
        let text = "2015-09-29T15:59:51.164Z"
        let ts = Timestamp(iso8601: text)
        #expect(ts?.iso8601 == text)
        #expect(Timestamp(iso8601: "2015-09-29T17:59:51.164+02:00") == ts)
        #expect(Timestamp(iso8601: "2015-09-29T15:59:51Z")?.iso8601 == "2015-09-29T15:59:51.000Z")
        #expect(Timestamp(iso8601: "yesterday") == nil)
        #expect(Timestamp(millis: 0).iso8601 == "1970-01-01T00:00:00.000Z")
    }

    @Test func writerEscapesAndFormats() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("s"); w.string("a\"b\\c\n\u{01}é")
        w.key("d"); w.double(0.1)
        w.key("i"); w.double(128)
        w.key("n"); w.int(-42)
        w.key("a"); w.beginArray(); w.bool(true); w.null(); w.endArray()
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == #"{"s":"a\"b\\c\n\u0001é","d":0.1,"i":128,"n":-42,"a":[true,null]}"#)
        let parsed = try JSONSerialization.jsonObject(with: w.data) as? [String: Any]
        #expect(parsed?["s"] as? String == "a\"b\\c\n\u{01}é")
    }

    @Test func failuresMergeByPath() {
        let merged = ValidationFailure.merged([ValidationFailure(path: "/a", "x"), ValidationFailure(path: "/b", "y"),
                                               ValidationFailure(path: "/a", "z"), ValidationFailure(path: "/a", "x")])
        #expect(merged == [ValidationFailure(path: "/a", errors: ["x", "z"]), ValidationFailure(path: "/b", "y")])
        #expect(ValidationFailure(path: "/", "m").prefixed(with: "/apps(0)").path == "/apps(0)")
    }
}

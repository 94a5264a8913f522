import Foundation
import Testing
@testable import WharfStore

@Suite("Key order and prefix ranges", .timeLimit(.minutes(3)))
struct KeyOrderTests {
    @Test func upperBoundIncrementsTheLastScalar() {
        #expect(PrefixRange(prefix: "apps/a").upperBound == "apps/b")
        #expect(PrefixRange(prefix: "apps/").upperBound == "apps0")
        #expect(PrefixRange(prefix: "a\u{7F}").upperBound == "a\u{80}")
        #expect(PrefixRange(prefix: "a\u{D7FF}").upperBound == "a\u{E000}")
        #expect(PrefixRange(prefix: "a\u{10FFFF}").upperBound == "b")
        #expect(PrefixRange(prefix: "a\u{10FFFF}\u{10FFFF}").upperBound == "b")
        #expect(PrefixRange(prefix: "\u{10FFFF}").upperBound == nil)
        #expect(PrefixRange(prefix: "").upperBound == nil)
    }

    @Test(arguments: ["apps/a", "apps/", "a\u{7F}", "a\u{FFFF}", "a\u{10FFFF}", "caf\u{E9}", "x"])
    func rangeHoldsExactlyTheKeysWithThePrefix(prefix: String) {
        let candidates = [
            "", "a", "apps", "apps/", "apps/a", "apps/a/1", "apps/b", "apps0", "a\u{7F}", "a\u{7F}z", "a\u{80}",
            "a\u{FFFF}", "a\u{FFFF}\u{10FFFF}", "a\u{10000}", "a\u{10FFFF}", "a\u{10FFFF}!", "b", "caf\u{E9}",
            "cafe\u{301}", "caf\u{E9}s", "x", "x\u{10FFFF}", "y",
        ]
        let range = PrefixRange(prefix: prefix)
        for key in candidates {
            let inRange = compareUTF8(key, range.lowerBound) >= 0
                && (range.upperBound.map { compareUTF8(key, $0) < 0 } ?? true)
            #expect(inRange == key.utf8.starts(with: prefix.utf8), "key \(key.debugDescription)")
        }
    }

    @Test func byteOrderIsNotCanonicalEquivalence() {
        #expect(ByteOrderedKey("caf\u{E9}") != ByteOrderedKey("cafe\u{301}"))
        #expect(Set([ByteOrderedKey("caf\u{E9}"), ByteOrderedKey("cafe\u{301}")]).count == 2)
        #expect(ByteOrderedKey("apps/a") < ByteOrderedKey("apps/a/"))
        #expect(ByteOrderedKey("Z") < ByteOrderedKey("a"))
        #expect(ByteOrderedKey("\u{FFFF}") < ByteOrderedKey("\u{10000}"))
    }
}

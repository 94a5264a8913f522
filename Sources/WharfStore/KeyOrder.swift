import Foundation

/// A store key compared, hashed and ordered by its UTF-8 bytes — exactly as SQLite's default
/// `BINARY` collation compares `TEXT`, so `MemoryStore` and `SQLiteStore` agree on key identity
/// and order.
///
/// Swift's `String` equality is Unicode canonical equivalence ("é" == "e\u{301}"), which would
/// merge two keys that SQLite keeps apart; this wrapper avoids that.
struct ByteOrderedKey: Hashable, Comparable, Sendable {
    let string: String

    init(_ string: String) {
        // Bridged or non-UTF-8 strings would be transcoded on every comparison; do it once here.
        var string = string
        string.makeContiguousUTF8()
        self.string = string
    }

    static func == (lhs: ByteOrderedKey, rhs: ByteOrderedKey) -> Bool {
        compareUTF8(lhs.string, rhs.string) == 0
    }

    static func < (lhs: ByteOrderedKey, rhs: ByteOrderedKey) -> Bool {
        compareUTF8(lhs.string, rhs.string) < 0
    }

    func hash(into hasher: inout Hasher) {
        var string = self.string
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Whether this key's bytes start with `prefix`'s bytes.
    func hasBytePrefix(_ prefix: String) -> Bool {
        string.utf8.starts(with: prefix.utf8)
    }
}

/// `memcmp`-style three-way comparison of two strings' UTF-8 bytes (shorter prefix first).
func compareUTF8(_ lhs: String, _ rhs: String) -> Int {
    var lhs = lhs, rhs = rhs
    return lhs.withUTF8 { l in
        rhs.withUTF8 { r in
            let common = min(l.count, r.count)
            if common > 0, let lb = l.baseAddress, let rb = r.baseAddress {
                let result = memcmp(lb, rb, common)
                if result != 0 { return Int(result) }
            }
            return l.count - r.count
        }
    }
}

/// The half-open key range `[lowerBound, upperBound)` holding exactly the keys that start with a
/// prefix, so that `list(prefix:)` is an index range scan rather than a `LIKE` pattern match.
struct PrefixRange: Sendable, Equatable {
    /// The prefix itself: the smallest key that starts with it.
    let lowerBound: String
    /// The smallest string greater than every key with the prefix; nil if there is none (the prefix
    /// is empty or ends in U+10FFFF only), meaning the range is unbounded above.
    let upperBound: String?

    /// Computes the range for `prefix`.
    ///
    /// UTF-8 byte order equals Unicode scalar order, so the strings starting with `p` are those in
    /// `[p, p')` where `p'` is `p` with its last scalar incremented (dropping trailing U+10FFFF
    /// scalars first). Incrementing a scalar rather than a byte keeps `p'` valid UTF-8.
    init(prefix: String) {
        lowerBound = prefix
        var scalars = Array(prefix.unicodeScalars)
        var upper: String?
        while let last = scalars.popLast() {
            var next = last.value + 1
            if next == 0xD800 { next = 0xE000 }  // skip the surrogate block, which has no scalars
            if let scalar = Unicode.Scalar(next) {
                scalars.append(scalar)
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars)
                upper = String(view)
                break
            }
        }
        upperBound = upper
    }
}

/// Allocation-free comparisons of header names and tokens.
enum HeaderName {
    /// Whether `name` equals `lowercase` ignoring ASCII case; `lowercase` must be lower-case ASCII.
    @inline(__always)
    static func equals<S: StringProtocol>(_ name: S, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard name.utf8.count == count else { return false }
        return lowercase.withUTF8Buffer { expected in
            var index = 0
            for byte in name.utf8 {
                let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
                if folded != expected[index] { return false }
                index += 1
            }
            return true
        }
    }

    /// Whether two names are equal ignoring ASCII case.
    static func equalsIgnoringCase<A: StringProtocol, B: StringProtocol>(_ lhs: A, _ rhs: B) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        return zip(lhs.utf8, rhs.utf8).allSatisfy { left, right in
            let l = (left >= 0x41 && left <= 0x5A) ? left | 0x20 : left
            let r = (right >= 0x41 && right <= 0x5A) ? right | 0x20 : right
            return l == r
        }
    }

    /// Hop-by-hop headers that are never forwarded as such (RFC 9110 §7.6.1).
    @inline(__always)
    static func isHopByHop<S: StringProtocol>(_ name: S) -> Bool {
        switch name.utf8.count {
        case 2: return self.equals(name, "te")
        case 7: return self.equals(name, "trailer") || self.equals(name, "upgrade")
        case 10: return self.equals(name, "connection") || self.equals(name, "keep-alive")
        case 16: return self.equals(name, "proxy-connection")
        default: return false
        }
    }

    /// `value` without leading and trailing spaces and tabs.
    static func trim(_ value: Substring) -> Substring {
        var result = value
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }

    /// The comma-separated tokens of a header value, trimmed of spaces and tabs.
    static func tokens(_ value: String) -> [Substring] {
        value.split(separator: ",").compactMap { token in
            let trimmed = self.trim(token)
            return trimmed.isEmpty ? nil : trimmed
        }
    }
}

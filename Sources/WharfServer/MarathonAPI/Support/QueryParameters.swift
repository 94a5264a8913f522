/// The query string of a request, decoded the way Marathon's Jersey resources read it.
///
/// Keys and values are percent-decoded (`+` is a space), parameters may repeat
/// (`?embed=app.tasks&embed=app.counts`), and the PHP-style `status[]` spelling is the same
/// parameter as `status`. Booleans follow Java's `Boolean.valueOf`: `true` in any letter case is
/// true, anything else is false, so marathon-python's `force=True` works.
struct QueryParameters: Sendable {
    private var pairs: [(name: String, value: String)]

    /// Parses a raw query string (the part after `?`, without it); nil or empty gives no parameters.
    init(_ rawQuery: String?) {
        pairs = []
        guard let rawQuery, !rawQuery.isEmpty else { return }
        for part in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let eq = part.firstIndex(of: "=") {
                name = part[part.startIndex..<eq]
                value = part[part.index(after: eq)...]
            } else {
                name = part
                value = ""
            }
            var decodedName = Self.decode(name)
            if decodedName.hasSuffix("[]") { decodedName.removeLast(2) }
            guard !decodedName.isEmpty else { continue }
            pairs.append((decodedName, Self.decode(value)))
        }
    }

    /// Every value of `name`, in request order.
    func values(_ name: String) -> [String] {
        pairs.compactMap { $0.name == name ? $0.value : nil }
    }

    /// The first value of `name`, or nil when absent.
    subscript(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Whether `name` was given at all.
    func contains(_ name: String) -> Bool {
        pairs.contains { $0.name == name }
    }

    /// A boolean parameter: `default` when absent, otherwise true exactly when the value is `true`
    /// in any letter case (Java's `Boolean.valueOf`).
    func bool(_ name: String, default fallback: Bool) -> Bool {
        guard let raw = self[name] else { return fallback }
        return Self.parseBool(raw)
    }

    /// Java's `Boolean.valueOf`: case-insensitive `true`, everything else false.
    static func parseBool(_ raw: String) -> Bool {
        raw.count == 4 && raw.lowercased() == "true"
    }

    /// Percent-decodes `text`, turning `+` into a space unless `plusIsSpace` is false (path
    /// segments). Malformed escapes are kept literally.
    static func decode(_ text: Substring, plusIsSpace: Bool = true) -> String {
        guard text.utf8.contains(where: { $0 == 0x25 || (plusIsSpace && $0 == 0x2b) }) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            switch byte {
            case 0x2b where plusIsSpace:
                bytes.append(0x20)
            case 0x25:
                if iterator.count >= 2,
                   let high = hexValue(iterator[iterator.startIndex]),
                   let low = hexValue(iterator[iterator.startIndex + 1]) {
                    bytes.append(high << 4 | low)
                    iterator = iterator.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}

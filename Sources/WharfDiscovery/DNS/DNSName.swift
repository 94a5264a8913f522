/// A domain name in wire form: length-prefixed labels, without the final root label. Case is kept
/// as received (answers echo the question exactly); every comparison ignores ASCII case.
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// The labels, each preceded by its length; empty for the root.
    public private(set) var wire: [UInt8]

    /// The longest name on the wire, root byte included (RFC 1035 §2.3.4).
    public static let maxWireLength = 255
    /// The longest label.
    public static let maxLabelLength = 63
    /// The root name `.`.
    public static let root = DNSName(wire: [])

    /// A name from already validated wire bytes.
    init(wire: [UInt8]) { self.wire = wire }

    /// A name from dotted text (`web.service.consul`, the trailing dot optional); nil when a label
    /// is empty or longer than 63 bytes, or the name longer than 255 bytes on the wire.
    public init?(_ text: String) {
        if text == "." || text.isEmpty {
            self.init(wire: [])
            return
        }
        var labels = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.last?.isEmpty == true { labels.removeLast() }
        self.init(labels: labels)
    }

    /// A name from its labels; nil when a label is empty or too long, or the name too long.
    init?<Labels: Sequence>(labels: Labels) where Labels.Element: Collection<UInt8> {
        var wire: [UInt8] = []
        wire.reserveCapacity(48)
        for label in labels {
            guard (1...Self.maxLabelLength).contains(label.count) else { return nil }
            wire.append(UInt8(label.count))
            wire.append(contentsOf: label)
        }
        guard wire.count + 1 <= Self.maxWireLength else { return nil }
        self.init(wire: wire)
    }

    /// Whether this is the root name.
    public var isRoot: Bool { wire.isEmpty }

    /// Where each label (its length byte) starts in `wire`.
    public var labelRanges: [Range<Int>] {
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(8)
        var position = 0
        while position < wire.count {
            let length = Int(wire[position])
            ranges.append(position + 1 ..< position + 1 + length)
            position += 1 + length
        }
        return ranges
    }

    /// Whether `other` is the same name, ignoring ASCII case.
    public func equalsIgnoringCase(_ other: DNSName) -> Bool {
        wire.count == other.wire.count && zip(wire, other.wire).allSatisfy { DNSName.lower($0) == DNSName.lower($1) }
    }

    /// The dotted form with a trailing dot; bytes that are not printable ASCII, dots and
    /// backslashes inside labels are escaped as in zone files.
    public var description: String {
        guard !wire.isEmpty else { return "." }
        var text = ""
        for range in labelRanges {
            for byte in wire[range] {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    text.append("\\")
                    text.append(Character(Unicode.Scalar(byte)))
                case 0x21...0x7E:
                    text.append(Character(Unicode.Scalar(byte)))
                default:
                    let digits = String(byte)
                    text.append("\\" + String(repeating: "0", count: 3 - digits.count) + digits)
                }
            }
            text.append(".")
        }
        return text
    }

    /// `byte` with ASCII upper case folded to lower case.
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    /// Whether the label at `range` equals `label`, ignoring case.
    func label(_ range: Range<Int>, equals label: some Collection<UInt8>) -> Bool {
        guard range.count == label.count else { return false }
        var index = range.lowerBound
        for byte in label {
            guard DNSName.lower(wire[index]) == DNSName.lower(byte) else { return false }
            index += 1
        }
        return true
    }

    /// The label at `range`, lower-cased, as a string (for catalog look-ups).
    func lowercasedLabel(_ range: Range<Int>) -> String {
        String(unsafeUninitializedCapacity: range.count) { target in
            for (offset, index) in range.enumerated() { target[offset] = DNSName.lower(wire[index]) }
            return range.count
        }
    }
}

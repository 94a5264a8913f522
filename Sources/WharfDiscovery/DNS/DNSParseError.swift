/// Why a packet is not a well-formed DNS query. Such packets are dropped, never answered.
public enum DNSParseError: Error, Hashable, Sendable {
    /// The packet ends inside the header, a name or a record.
    case truncated
    /// A label is longer than 63 bytes or uses a reserved label type.
    case badLabel
    /// A name is longer than 255 bytes on the wire.
    case nameTooLong
    /// A compression pointer points forward, into itself, or too many pointers are chained.
    case badPointer
    /// The section counts promise more entries than the packet could hold.
    case impossibleCounts
    /// An OPT record that is not at the root, outside the additional section, or repeated.
    case badOPT
}

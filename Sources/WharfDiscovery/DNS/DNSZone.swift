/// One domain Wharf answers for (`consul`, or an extra domain such as `wharf`), with the names its
/// SOA and NS records use.
struct DNSZone: Sendable {
    /// The domain's labels, lower case, in order (`["consul"]`).
    let labels: [[UInt8]]
    /// The apex, owner of SOA and NS.
    let apex: DNSName
    /// `ns.<domain>.`: the name server the SOA and NS records name.
    let nameServer: DNSName
    /// `hostmaster.<domain>.`: the SOA's mailbox.
    let hostmaster: DNSName
    /// Whether the short `<service>.<domain>` form is answered (extra domains only).
    let allowsShortNames: Bool

    /// A zone for `domain` (dots allowed, trailing dot optional); nil when it is not a valid name.
    init?(domain: String, allowsShortNames: Bool) {
        guard let apex = DNSName(domain.lowercased()), !apex.isRoot,
              let nameServer = DNSName("ns." + domain.lowercased()),
              let hostmaster = DNSName("hostmaster." + domain.lowercased()) else { return nil }
        self.apex = apex
        self.nameServer = nameServer
        self.hostmaster = hostmaster
        self.labels = apex.labelRanges.map { Array(apex.wire[$0]) }
        self.allowsShortNames = allowsShortNames
    }

    /// Whether `ranges` (the labels of `name`) end with this domain.
    func contains(_ name: DNSName, ranges: [Range<Int>]) -> Bool {
        guard ranges.count >= labels.count else { return false }
        let offset = ranges.count - labels.count
        for (index, label) in labels.enumerated() where !name.label(ranges[offset + index], equals: label) {
            return false
        }
        return true
    }

    /// `<first labels…>.<domain>.`, e.g. a SRV target `web-1.node.dc1.consul.`; nil when a label is
    /// empty, longer than 63 bytes or the whole name too long.
    func name(_ first: [[UInt8]]) -> DNSName? {
        DNSName(labels: first + labels)
    }
}

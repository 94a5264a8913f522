import Prometheus
import Synchronization
import WharfMetrics

/// `wharf_dns_queries_total{type,rcode}` for one listener's counters. Types and codes Wharf does
/// not name are `OTHER`, so the label values stay few whatever clients send.
final class DNSMetrics: Sendable {
    private let registry: MetricsRegistry
    /// Counters by `typeIndex * 16 + codeIndex`.
    private let counters = Mutex<[Int: Counter]>([:])

    static let types = ["A", "AAAA", "SRV", "ANY", "NS", "SOA", "TXT", "OTHER", "none"]
    static let codes = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "BADVERS", "OTHER", "dropped"]

    init(registry: MetricsRegistry) {
        self.registry = registry
    }

    /// Counts one packet.
    func count(_ outcome: DNSOutcome) {
        let key: Int
        switch outcome {
        case .dropped:
            key = (Self.types.count - 1) * 16 + Self.codes.count - 1
        case .answered(let rcode, _, let type):
            key = Self.typeIndex(type) * 16 + Self.codeIndex(rcode)
        }
        counter(key).increment()
    }

    private func counter(_ key: Int) -> Counter {
        counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.counter(MetricFamilies.dnsQueries, Self.types[key / 16], Self.codes[key % 16])
            counters[key] = counter
            return counter
        }
    }

    static func typeIndex(_ type: DNSRecordType?) -> Int {
        switch type {
        case .a?: 0
        case .aaaa?: 1
        case .srv?: 2
        case .any?: 3
        case .ns?: 4
        case .soa?: 5
        case .txt?: 6
        case .some: 7
        case nil: 8
        }
    }

    static func codeIndex(_ code: DNSResponseCode) -> Int {
        switch code {
        case .noError: 0
        case .formatError: 1
        case .serverFailure: 2
        case .nameError: 3
        case .notImplemented: 4
        case .refused: 5
        case .badVersion: 6
        default: 7
        }
    }
}

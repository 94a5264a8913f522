import Synchronization

/// Counters of the DNS server since it started.
public struct DNSStats: Hashable, Sendable {
    /// Packets received (UDP datagrams and TCP messages).
    public var queries: Int
    /// Responses sent, whatever their code.
    public var answered: Int
    /// Responses with NXDOMAIN.
    public var nxdomain: Int
    /// Responses with REFUSED (names outside Wharf's domains).
    public var refused: Int
    /// Responses with TC set.
    public var truncated: Int
    /// Packets dropped unanswered: malformed, or responses sent to the server.
    public var malformed: Int

    /// Counters with the given values (all 0 by default).
    public init(queries: Int = 0, answered: Int = 0, nxdomain: Int = 0, refused: Int = 0, truncated: Int = 0, malformed: Int = 0) {
        self.queries = queries
        self.answered = answered
        self.nxdomain = nxdomain
        self.refused = refused
        self.truncated = truncated
        self.malformed = malformed
    }
}

extension DNSStats {
    /// The sum of two sets of counters.
    public static func + (lhs: DNSStats, rhs: DNSStats) -> DNSStats {
        DNSStats(queries: lhs.queries + rhs.queries, answered: lhs.answered + rhs.answered, nxdomain: lhs.nxdomain + rhs.nxdomain,
                 refused: lhs.refused + rhs.refused, truncated: lhs.truncated + rhs.truncated, malformed: lhs.malformed + rhs.malformed)
    }
}

/// The live counters behind `DNSStats` for one listener, updated with relaxed atomics.
final class DNSCounters: Sendable {
    private let queries = Atomic<Int>(0)
    private let answered = Atomic<Int>(0)
    private let nxdomain = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let truncated = Atomic<Int>(0)
    private let malformed = Atomic<Int>(0)
    /// `wharf_dns_queries_total`, when the server keeps metrics.
    private let metrics: DNSMetrics?

    init(metrics: DNSMetrics? = nil) {
        self.metrics = metrics
    }

    /// Counts one packet and what became of it.
    func record(_ outcome: DNSOutcome) {
        queries.add(1, ordering: .relaxed)
        metrics?.count(outcome)
        switch outcome {
        case .dropped:
            malformed.add(1, ordering: .relaxed)
        case .answered(let rcode, let wasTruncated, _):
            answered.add(1, ordering: .relaxed)
            if rcode == .nameError { nxdomain.add(1, ordering: .relaxed) }
            if rcode == .refused { refused.add(1, ordering: .relaxed) }
            if wasTruncated { truncated.add(1, ordering: .relaxed) }
        }
    }

    var stats: DNSStats {
        DNSStats(queries: queries.load(ordering: .relaxed), answered: answered.load(ordering: .relaxed),
                 nxdomain: nxdomain.load(ordering: .relaxed), refused: refused.load(ordering: .relaxed),
                 truncated: truncated.load(ordering: .relaxed), malformed: malformed.load(ordering: .relaxed))
    }
}

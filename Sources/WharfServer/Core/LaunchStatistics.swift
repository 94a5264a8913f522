import WharfModel
import WharfScheduler

/// What placement passes did for one app with instances waiting to launch, kept from the pass in
/// which it started waiting until the pass in which it no longer waits (Marathon's
/// `RunSpecOfferStatistics` and last unmatched offers, `OfferMatchStatistics.scala`).
///
/// Wharf has no Mesos offers: each instance placed on an agent counts as one used offer, and each
/// agent a pass examined without finding room counts as one declined offer, with its reasons.
/// This is what `/v2/queue` shows in `processedOffersSummary` and `lastUnusedOffers`.
public struct LaunchStatistics: Hashable, Sendable {
    /// A declined offer as `lastUnusedOffers` lists it.
    public struct UnusedOffer: Hashable, Sendable {
        /// `<agent id>-O<placement pass>`: unique per agent and pass.
        public var offerId: String
        public var offer: DeclinedOffer
        public var timestamp: Timestamp
    }

    /// Offers processed since the app started waiting, used or not.
    public private(set) var processedOffersCount = 0
    /// Offers declined since the app started waiting.
    public private(set) var unusedOffersCount = 0
    /// Declined offers since the app started waiting, each counted under its first funnel reason.
    public private(set) var rejectSummaryLaunchAttempt: [NoOfferMatchReason: Int] = [:]
    public private(set) var lastUsedOfferAt: Timestamp?
    public private(set) var lastUnusedOfferAt: Timestamp?
    /// The last declined offer of every agent (of at most `lastUnusedOffersLimit` agents).
    public private(set) var lastUnusedOffers: [String: UnusedOffer] = [:]

    /// How many agents' last declined offers are kept per app, so that a large cluster with many
    /// waiting apps does not hold an offer per agent and app; beyond it the oldest are dropped.
    public static let lastUnusedOffersLimit = 1000

    public init() {}

    /// The last declined offers, each counted under its first funnel reason.
    public var rejectSummaryLastOffers: [NoOfferMatchReason: Int] {
        var summary: [NoOfferMatchReason: Int] = [:]
        for unused in lastUnusedOffers.values {
            if let reason = unused.offer.firstReason { summary[reason, default: 0] += 1 }
        }
        return summary
    }

    /// The last declined offers, oldest first, then by agent.
    public var lastUnusedOffersInOrder: [UnusedOffer] {
        lastUnusedOffers.values.sorted { ($0.timestamp, $0.offer.agentId) < ($1.timestamp, $1.offer.agentId) }
    }

    /// Adds one pass: `used` instances placed, `declined` agents that had no room.
    public mutating func record(used: Int, declined: [DeclinedOffer], pass: UInt64, at now: Timestamp) {
        if used > 0 {
            processedOffersCount += used
            lastUsedOfferAt = now
        }
        guard !declined.isEmpty else { return }
        processedOffersCount += declined.count
        unusedOffersCount += declined.count
        lastUnusedOfferAt = now
        for offer in declined {
            if let reason = offer.firstReason { rejectSummaryLaunchAttempt[reason, default: 0] += 1 }
        }
        for offer in declined.prefix(Self.lastUnusedOffersLimit) {
            lastUnusedOffers[offer.agentId] = UnusedOffer(offerId: "\(offer.agentId)-O\(pass)", offer: offer, timestamp: now)
        }
        if lastUnusedOffers.count > Self.lastUnusedOffersLimit {
            for old in lastUnusedOffersInOrder.prefix(lastUnusedOffers.count - Self.lastUnusedOffersLimit) {
                lastUnusedOffers[old.offer.agentId] = nil
            }
        }
    }

    /// The statistics after a scheduler pass that evaluated the apps `evaluated`: apps still
    /// waiting keep theirs, updated with this pass's placements and declined offers; apps no longer
    /// waiting lose theirs (their launch attempt is over, as Marathon's `LaunchFinished`); apps not
    /// evaluated keep theirs as they are.
    public static func afterPass(_ previous: [PathId: LaunchStatistics], decisions: SchedulerDecisions,
                                 evaluated: Set<PathId>, pass: UInt64, at now: Timestamp) -> [PathId: LaunchStatistics] {
        var next = previous
        for appId in evaluated { next[appId] = nil }
        guard !decisions.waiting.isEmpty else { return next }
        var launched: [PathId: Int] = [:]
        for instance in decisions.launches { launched[instance.appId, default: 0] += 1 }
        for appId in Set(decisions.waiting.map(\.appId)) {
            var statistics = previous[appId] ?? LaunchStatistics()
            statistics.record(used: launched[appId] ?? 0, declined: decisions.declinedOffers[appId] ?? [],
                              pass: pass, at: now)
            next[appId] = statistics
        }
        return next
    }
}

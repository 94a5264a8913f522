import WharfModel
import WharfScheduler

/// Writes `GET /v2/queue` (`types/queue.raml`, `raml/QueueInfoConversion.scala`): per app with
/// instances waiting to launch, `{count, role, delay:{timeLeftSeconds, overdue}, since,
/// processedOffersSummary, lastUnusedOffers (with embed=lastUnusedOffers), app}`. A launch delay
/// shows in `delay`; missing resources show as declined offers (see `LaunchStatistics`: every
/// agent a placement pass examined without finding room is one declined offer). Wharf adds
/// `routeErrors` to the item of an app whose service port the router cannot listen on, and lists
/// such an app with `count` 0 when none of its instances waits.
enum QueueRenderer {
    /// The `embed` value that adds `lastUnusedOffers` (`QueueResource.EmbedLastUnusedOffers`).
    static let lastUnusedOffersEmbed = "lastUnusedOffers"

    static func document(state: ClusterState, cache: inout AppJSONCache.Session, now: Timestamp,
                         lastUnusedOffers: Bool = false) -> [UInt8] {
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("queue")
        w.beginArray()
        var entries = state.queue.values.filter { $0.count > 0 }
        let queued = Set(entries.map(\.appId))
        for appId in state.appsWithUnboundServicePorts where !queued.contains(appId) {
            entries.append(QueueEntry(appId: appId, count: 0, reason: .noFit(rejections: [:], agentsConsidered: 0)))
        }
        for entry in entries.sorted(by: { $0.appId < $1.appId }) {
            guard let app = state.apps[entry.appId] else { continue }
            let item = Item(entry: entry, app: app, backoff: state.backoff[entry.appId],
                            statistics: state.launchStatistics[entry.appId] ?? LaunchStatistics(),
                            routeErrors: state.routeListenerErrors.isEmpty ? [] : state.routeErrors(of: app))
            item.write(cache: &cache, now: now, lastUnusedOffers: lastUnusedOffers, into: &w)
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// One queue item (`QueueApp`).
    struct Item {
        let entry: QueueEntry
        let app: AppDefinition
        let backoff: LaunchBackoff?
        let statistics: LaunchStatistics
        /// Why the router cannot serve some of the app's service ports (Wharf's addition).
        var routeErrors: [String] = []

        func write(cache: inout AppJSONCache.Session, now: Timestamp, lastUnusedOffers: Bool, into w: inout JSONWriter) {
            var timeLeft = 0.0
            if let backoff, backoff.isDelaying(app, now: now) { timeLeft = backoff.timeLeftSeconds(now: now) }
            if case let .backoff(until) = entry.reason { timeLeft = max(timeLeft, max(0, until.seconds(since: now))) }
            var since = app.version ?? now
            if let failure = backoff?.lastFailureAt, failure > since { since = failure }

            w.beginObject()
            w.key("count"); w.int(entry.count)
            w.key("role"); w.string(app.role)
            w.key("delay")
            w.beginObject()
            w.key("timeLeftSeconds"); w.int(Int(timeLeft.rounded(.up)))
            w.key("overdue"); w.bool(timeLeft <= 0)
            w.endObject()
            w.key("since"); w.timestamp(since)
            w.key("processedOffersSummary")
            QueueRenderer.writeSummary(statistics, into: &w)
            if lastUnusedOffers {
                w.key("lastUnusedOffers")
                w.beginArray()
                for unused in statistics.lastUnusedOffersInOrder { QueueRenderer.write(unused, into: &w) }
                w.endArray()
            }
            w.key("app"); w.raw(cache.json(for: app))
            if !routeErrors.isEmpty {
                w.key("routeErrors"); w.stringArray(routeErrors)
            }
            w.endObject()
        }
    }

    /// `ProcessedOffersSummary`: counts, the times of the last used and unused offers, and both
    /// reject summaries as Marathon's funnel.
    static func writeSummary(_ statistics: LaunchStatistics, into w: inout JSONWriter) {
        w.beginObject()
        w.key("processedOffersCount"); w.int(statistics.processedOffersCount)
        w.key("unusedOffersCount"); w.int(statistics.unusedOffersCount)
        if let at = statistics.lastUnusedOfferAt { w.key("lastUnusedOfferAt"); w.timestamp(at) }
        if let at = statistics.lastUsedOfferAt { w.key("lastUsedOfferAt"); w.timestamp(at) }
        w.key("rejectSummaryLastOffers")
        writeFunnel(processed: statistics.lastUnusedOffers.count, summary: statistics.rejectSummaryLastOffers, into: &w)
        w.key("rejectSummaryLaunchAttempt")
        writeFunnel(processed: statistics.processedOffersCount, summary: statistics.rejectSummaryLaunchAttempt, into: &w)
        w.endObject()
    }

    /// `[DeclinedOfferStep]`: every reason in funnel order with the offers that reached it
    /// (`processed`) and the ones it turned down (`declined`).
    static func writeFunnel(processed: Int, summary: [NoOfferMatchReason: Int], into w: inout JSONWriter) {
        var remaining = processed
        w.beginArray()
        for reason in NoOfferMatchReason.allCases {
            let declined = summary[reason] ?? 0
            w.beginObject()
            w.key("reason"); w.string(reason.rawValue)
            w.key("declined"); w.int(declined)
            w.key("processed"); w.int(remaining)
            w.endObject()
            remaining -= declined
        }
        w.endArray()
    }

    /// `UnusedOffer`: `{offer:{id, hostname, agentId, resources, attributes}, reason:[...], timestamp}`,
    /// the offer listing what the agent had free.
    static func write(_ unused: LaunchStatistics.UnusedOffer, into w: inout JSONWriter) {
        let offer = unused.offer
        w.beginObject()
        w.key("offer")
        w.beginObject()
        w.key("id"); w.string(unused.offerId)
        w.key("hostname"); w.string(offer.host)
        w.key("agentId"); w.string(offer.agentId)
        w.key("resources")
        w.beginArray()
        for (name, value) in [("cpus", offer.free.cpus), ("mem", offer.free.mem), ("disk", offer.free.disk)] {
            w.beginObject()
            w.key("name"); w.string(name)
            w.key("role"); w.string("*")
            w.key("scalar"); w.double(max(0, value))
            w.endObject()
        }
        if !offer.freePorts.isEmpty {
            w.beginObject()
            w.key("name"); w.string("ports")
            w.key("role"); w.string("*")
            w.key("ranges")
            w.beginArray()
            for range in offer.freePorts {
                w.beginObject()
                w.key("begin"); w.int(range.begin)
                w.key("end"); w.int(range.end)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("attributes")
        w.beginArray()
        for (name, text) in offer.attributes.sorted(by: { $0.key < $1.key }) {
            w.beginObject()
            w.key("name"); w.string(name)
            w.key("text"); w.string(text)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.key("reason"); w.stringArray(offer.reasons.map(\.rawValue))
        w.key("timestamp"); w.timestamp(unused.timestamp)
        w.endObject()
    }
}

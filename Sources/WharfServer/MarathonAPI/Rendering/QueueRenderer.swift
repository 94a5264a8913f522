import WharfModel
import WharfScheduler

/// Writes `GET /v2/queue` (`types/queue.raml`, `examples/queue.json`): per app with instances
/// waiting to launch, `{app, count, delay:{timeLeftSeconds, overdue}, since,
/// processedOffersSummary}`. The reason an instance waits shows as Marathon shows it: a launch
/// delay in `delay`, missing resources as counts per reason in
/// `processedOffersSummary.rejectSummaryLastOffers` (each agent considered counts as one offer).
/// `role` is left out on purpose: marathon-python's `MarathonQueueItem` rejects it. Wharf adds
/// `routeErrors` to the item of an app whose service port the router cannot listen on, and lists
/// such an app with `count` 0 when none of its instances waits.
enum QueueRenderer {
    /// Marathon's rejection reasons in the order its offer matcher applies them.
    static let reasons = [
        "UnfulfilledRole", "UnfulfilledConstraint", "NoCorrespondingReservationFound", "AgentMaintenance",
        "InsufficientCpus", "InsufficientMemory", "InsufficientDisk", "InsufficientGpus", "InsufficientPorts",
        "DeclinedScarceResources",
    ]

    static func document(state: ClusterState, cache: inout AppJSONCache.Session, now: Timestamp) -> [UInt8] {
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
            write(entry, app: app, backoff: state.backoff[entry.appId], cache: &cache, now: now, into: &w,
                  routeErrors: state.routeListenerErrors.isEmpty ? [] : state.routeErrors(of: app))
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    static func write(_ entry: QueueEntry, app: AppDefinition, backoff: LaunchBackoff?,
                      cache: inout AppJSONCache.Session, now: Timestamp, into w: inout JSONWriter,
                      routeErrors: [String] = []) {
        var timeLeft = 0.0
        if let backoff, backoff.isDelaying(app, now: now) { timeLeft = backoff.timeLeftSeconds(now: now) }
        if case let .backoff(until) = entry.reason { timeLeft = max(timeLeft, max(0, until.seconds(since: now))) }
        var since = app.version ?? now
        if let failure = backoff?.lastFailureAt, failure > since { since = failure }

        w.beginObject()
        w.key("app"); w.raw(cache.json(for: app))
        w.key("count"); w.int(entry.count)
        w.key("delay")
        w.beginObject()
        w.key("timeLeftSeconds"); w.int(Int(timeLeft.rounded(.up)))
        w.key("overdue"); w.bool(timeLeft <= 0)
        w.endObject()
        w.key("since"); w.timestamp(since)
        w.key("processedOffersSummary")
        writeOffers(entry.reason, into: &w)
        if !routeErrors.isEmpty {
            w.key("routeErrors"); w.stringArray(routeErrors)
        }
        w.endObject()
    }

    /// The offer funnel: every reason with how many offers reached it (`processed`) and how many it
    /// turned down (`declined`).
    static func writeOffers(_ reason: WaitReason, into w: inout JSONWriter) {
        var rejections: [String: Int] = [:]
        var considered = 0
        if case let .noFit(counts, agents) = reason {
            rejections = counts
            considered = max(agents, counts.values.reduce(0, +))
        }
        let declinedTotal = min(considered, rejections.values.reduce(0, +))
        w.beginObject()
        w.key("processedOffersCount"); w.int(considered)
        w.key("unusedOffersCount"); w.int(declinedTotal)
        w.key("rejectSummaryLastOffers")
        w.beginArray()
        var remaining = considered
        for name in reasons {
            let declined = min(remaining, rejections[name] ?? 0)
            w.beginObject()
            w.key("reason"); w.string(name)
            w.key("declined"); w.int(declined)
            w.key("processed"); w.int(remaining)
            w.endObject()
            remaining -= declined
        }
        w.endArray()
        w.endObject()
    }
}

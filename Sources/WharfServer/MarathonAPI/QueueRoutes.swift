import Hummingbird
import WharfModel

/// `/v2/queue` (`QueueResource.scala`): instances waiting to be launched, and why.
enum QueueRoutes {
    static let routes: [MarathonRoute] = [
        MarathonRoute(.get, "/v2/queue", tag: "queue", summary: "Apps with instances waiting to launch, with the reason.",
                      parameters: [.init("embed", .string, "lastUnusedOffers: add each app's last declined offer per agent.",
                                         repeated: true, allowed: [QueueRenderer.lastUnusedOffersEmbed])],
                      responses: [(200, "{\"queue\":[QueueItem]}")], handler: list),
        MarathonRoute(.delete, "/v2/queue/{id}/delay", tag: "queue", summary: "Reset the launch delay of an app.",
                      responses: [(204, "Delay reset"), (404, "The app is not in the queue")], handler: resetDelay),
    ]

    static func list(_ call: MarathonCall) async throws -> Response {
        let state = await call.controlPlane.currentState()
        var session = call.api.appJSON.session()
        let embed = call.query.values("embed").contains(QueueRenderer.lastUnusedOffersEmbed)
        let body = QueueRenderer.document(state: state, cache: &session, now: Timestamp.now(), lastUnusedOffers: embed)
        call.api.appJSON.commit(session, liveApps: state.apps)
        return MarathonResponse.json(body)
    }

    static func resetDelay(_ call: MarathonCall) async throws -> Response {
        let id = call.pathId()
        guard await call.controlPlane.resetDelay(id) else {
            throw MarathonHTTPError.notFound("Application \(id) not found in tasks queue.")
        }
        return MarathonResponse.empty(204)
    }
}

/// State shared by every Marathon route handler: the control plane and the caches that make
/// large listings cheap.
final class MarathonAPIContext: Sendable {
    let controlPlane: ControlPlane
    /// Encoded app definitions per (id, version).
    let appJSON = AppJSONCache()

    /// `http://host:port` of this server, for `X-Marathon-Leader`.
    let leaderURL: String
    /// `/openapi.json` for this server's configuration.
    let openAPIDocument: [UInt8]

    init(controlPlane: ControlPlane) {
        self.controlPlane = controlPlane
        let configuration = controlPlane.configuration
        leaderURL = "http://\(configuration.advertisedHost):\(configuration.apiPort)"
        openAPIDocument = configuration.datacenter == "dc1"
            ? OpenAPIDocument.document
            : OpenAPIDocument.render(MarathonRoutes.all, datacenter: configuration.datacenter)
    }

    /// A renderer over `state` sharing the app JSON cache.
    func appRenderer(_ state: ClusterState) -> AppInfoRenderer {
        AppInfoRenderer(state: state, cache: appJSON)
    }

    /// Keeps what `renderer` encoded for the next request.
    func finish(_ renderer: AppInfoRenderer) {
        appJSON.commit(renderer.json, liveApps: renderer.state.apps)
    }
}

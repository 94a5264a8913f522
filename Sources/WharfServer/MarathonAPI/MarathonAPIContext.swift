/// State shared by every Marathon route handler: the control plane and the caches that make
/// large listings cheap.
final class MarathonAPIContext: Sendable {
    let controlPlane: ControlPlane
    /// Encoded app definitions per (id, version).
    let appJSON = AppJSONCache()

    /// `http://host:port` of this server, for `X-Marathon-Leader`.
    let leaderURL: String

    init(controlPlane: ControlPlane) {
        self.controlPlane = controlPlane
        let configuration = controlPlane.configuration
        leaderURL = "http://\(configuration.advertisedHost):\(configuration.apiPort)"
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

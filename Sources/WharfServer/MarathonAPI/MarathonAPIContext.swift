import NIOCore

/// State shared by every Marathon route handler: the control plane and the caches that make
/// large listings cheap.
final class MarathonAPIContext: Sendable {
    let controlPlane: ControlPlane
    /// Encoded app definitions per (id, version).
    let appJSON = AppJSONCache()
    /// Recent `GET /v2/apps` answers by query, with the state revision each shows
    /// (`ClusterState.appsRevision`): a listing of an unchanged cluster is sent again, not rendered.
    private let appLists = LockedValue<[String: (revision: UInt64, body: ByteBuffer)]>([:])

    /// `http://host:port` of this server, for `X-Marathon-Leader`.
    let leaderURL: String
    /// `/openapi.json` for this server's configuration.
    let openAPIDocument: [UInt8]
    /// `wharf_http_requests_total` and `wharf_http_request_duration_seconds`.
    let requests: APIRequestMetrics

    init(controlPlane: ControlPlane) {
        self.controlPlane = controlPlane
        let configuration = controlPlane.configuration
        leaderURL = "http://\(configuration.advertisedHost):\(configuration.apiPort)"
        requests = APIRequestMetrics(registry: configuration.metrics)
        openAPIDocument = configuration.datacenter == "dc1"
            ? OpenAPIDocument.document
            : OpenAPIDocument.render(MarathonRoutes.all, datacenter: configuration.datacenter)
    }

    /// A renderer over `state` sharing the app JSON cache.
    func appRenderer(_ state: ClusterState) -> AppInfoRenderer {
        AppInfoRenderer(state: state, cache: appJSON)
    }

    /// The listing answered for `query` at `revision`, if it is still at hand.
    func appList(query: String, revision: UInt64) -> ByteBuffer? {
        appLists.withLock { lists in lists[query].flatMap { $0.revision == revision ? $0.body : nil } }
    }

    /// Keeps a listing for the next request with the same query (four queries at most: a listing of
    /// 10,000 apps is 7 MB).
    func keepAppList(query: String, revision: UInt64, body: ByteBuffer) {
        appLists.withLock { lists in
            if lists[query] == nil, lists.count >= 4 { lists.removeAll() }
            lists[query] = (revision, body)
        }
    }

    /// Keeps what `renderer` encoded for the next request.
    func finish(_ renderer: AppInfoRenderer) {
        appJSON.commit(renderer.json, liveApps: renderer.state.apps)
    }
}

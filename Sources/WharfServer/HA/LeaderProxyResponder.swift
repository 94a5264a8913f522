import HTTPTypes
import Hummingbird
import Logging
import WharfMetrics

/// The API listener of a server in a cluster: answers here when this server leads, forwards to
/// the leader when another one does, as Marathon's `LeaderProxyFilter` does.
///
/// A responder rather than a router middleware, because it wraps a router that changes: the
/// local API exists only while this server leads (`setLocal(_:)` installs a new router's responder
/// at every election and removes it at step-down), and everything else — forwarding, waiting,
/// `/v2/leader` — must work while there is none.
///
/// - The leader answers every request with its local API and adds `X-Marathon-Leader: http://<me>`.
/// - A follower forwards every request to the leader (method, path and query, headers but the
///   connection ones, body streamed) adding `X-Marathon-Via: 1.1 <me>` and `X-Forwarded-For`, and
///   streams the answer back with the leader's headers plus its own `X-Marathon-Via`. A request
///   that already went through this server gets 502 "Detected proxying loop."; a leader that
///   cannot be reached, 502 with Marathon's message. Unlike Marathon, which redirects
///   `/v2/events` to the leader, event streams are forwarded too, live.
/// - While the leadership is being decided (no leader known, or this server named but not yet
///   serving), a request waits `undecidedRetries` × `undecidedRetryInterval` for it to settle,
///   then gets 502 "Could not determine the current leader" — never a hang.
/// - `GET /v2/leader` is answered by every server from its `LeaderView`: `{"leader":"host:port"}`
///   or 404 "There is no leader". `DELETE /v2/leader` on the leader answers 200 "Leadership
///   abdicated" and calls `abdicate` `abdicationDelay` later (`LeaderResource`); on a follower it
///   is forwarded to the leader, as Marathon's filter forwards every path, and with no leader it
///   gets 404 "There is no leader".
public final class LeaderProxyResponder: HTTPResponder, Sendable {
    /// The API listener's context (it carries the client's connection).
    public typealias Context = APIRequestContext
    /// Hands leadership over (revokes this server's lease); returns whether this server was leading.
    public typealias Abdicate = @Sendable () async -> Bool

    static let noLeaderMessage = "Could not determine the current leader"

    private let configuration: LeaderProxyConfiguration
    private let view: LeaderView.Provider
    private let abdicate: Abdicate
    private let logger: Logger
    private let forwarder: LeaderForwarder
    private let local = LockedValue<(any HTTPResponder<APIRequestContext>)?>(nil)
    /// The abdication asked for and not yet done, cancelled at shutdown.
    private let pendingAbdication = LockedValue<Task<Void, Never>?>(nil)
    /// This server's own metrics, answered here on every server (Prometheus scrapes each one).
    private let metrics: MetricsRegistry?

    /// A responder reading leadership from `view` at every request; `abdicate` is called for
    /// `DELETE /v2/leader` on the leader. Call `shutdown()` once the listener has stopped.
    public init(configuration: LeaderProxyConfiguration = .init(), view: @escaping LeaderView.Provider,
                abdicate: @escaping Abdicate, logger: Logger, metrics: MetricsRegistry? = nil) {
        self.metrics = metrics
        self.configuration = configuration
        self.view = view
        self.abdicate = abdicate
        self.logger = logger
        forwarder = LeaderForwarder(configuration: configuration, logger: logger)
    }

    /// Installs the API this server answers with while it leads (`WharfDev.makeAPIResponder`), or
    /// removes it (nil) when it steps down. Requests already running keep the one they started with.
    public func setLocal(_ responder: (any HTTPResponder<APIRequestContext>)?) {
        local.withLock { $0 = responder }
    }

    /// Closes the connections to the leader and cancels an abdication not yet done. Calling it
    /// again does nothing.
    public func shutdown() async throws {
        pendingAbdication.withLock { $0 }?.cancel()
        try await forwarder.shutdown()
    }

    /// Answers `request` here, forwards it to the leader or waits for a leader, as described above.
    public func respond(to request: Request, context: APIRequestContext) async throws -> Response {
        if let metrics, request.method == .get, MetricsRoutes.paths.contains(request.uri.path) {
            return await MetricsRoutes.exposition(metrics)
        }
        if request.uri.path == "/v2/leader" {
            if request.method == .get { return leaderAnswer(view()) }
            if request.method == .delete, let answer = abdicationAnswer(view()) { return answer }
        }
        let (route, current, responder) = await settledRoute()
        switch route {
        case .local:
            guard let responder else { return noLeader(current) }
            return try await answerLocally(request, context: context, with: responder, me: current.myAPIAddress)
        case let .forward(leader):
            let view = self.view
            return await forwarder.forward(request, context: context, to: leader, me: current.myAPIAddress,
                                           stillLeader: { view().leaderAPIAddress == leader })
        case .undecided:
            return noLeader(current)
        }
    }

    /// Where a request goes now, or — while the leadership is undecided — once it has settled,
    /// looking again `undecidedRetries` more times (`LeaderProxyFilter.waitForConsistentLeadership`).
    private func settledRoute() async -> (LeaderRoute, LeaderView, (any HTTPResponder<APIRequestContext>)?) {
        var retries = configuration.undecidedRetries
        while true {
            let current = view()
            let responder = local.withLock { $0 }
            let route = LeaderRoute.of(current, hasLocal: responder != nil)
            guard route == .undecided, retries >= 0 else { return (route, current, responder) }
            if retries == configuration.undecidedRetries {
                logger.info("waiting for a consistent leadership state", metadata: [
                    "leader": "\(current.leaderAPIAddress ?? "none")", "isLeader": "\(current.isLeader)"])
            }
            retries -= 1
            do {
                try await Task.sleep(for: configuration.undecidedRetryInterval)
            } catch {
                return (route, current, responder)  // the server is going away
            }
        }
    }

    private func answerLocally(_ request: Request, context: APIRequestContext,
                               with responder: any HTTPResponder<APIRequestContext>, me: String) async throws -> Response {
        var response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[ProxyHeaders.leader] = "http://\(me)"
        return response
    }

    private func noLeader(_ view: LeaderView) -> Response {
        logger.error("inconsistent leadership state, refusing the request", metadata: [
            "me": "\(view.myAPIAddress)", "leader": "\(view.leaderAPIAddress ?? "none")", "isLeader": "\(view.isLeader)"])
        return LeaderForwarder.error(502, Self.noLeaderMessage)
    }

    /// `GET /v2/leader` from the view, with `X-Marathon-Leader` when a leader is known.
    private func leaderAnswer(_ view: LeaderView) -> Response {
        guard let leader = view.namedLeader else { return SystemRoutes.noLeaderResponse() }
        var response = SystemRoutes.leaderResponse(address: leader)
        response.headers[ProxyHeaders.leader] = "http://\(leader)"
        return response
    }

    /// `DELETE /v2/leader` answered here: on the leader, abdication; with no leader, 404. Nil when
    /// another server leads: the request is forwarded to it.
    private func abdicationAnswer(_ view: LeaderView) -> Response? {
        if view.isLeader {
            scheduleAbdication()
            var response = SystemRoutes.abdicatedResponse()
            response.headers[ProxyHeaders.leader] = "http://\(view.myAPIAddress)"
            return response
        }
        guard let leader = view.leaderAPIAddress, leader != view.myAPIAddress else { return SystemRoutes.noLeaderResponse() }
        return nil
    }

    /// Abdicates `abdicationDelay` from now, unless an abdication is already on its way.
    private func scheduleAbdication() {
        logger.notice("leadership abdication asked for (DELETE /v2/leader)")
        pendingAbdication.withLock { pending in
            guard pending == nil else { return }
            pending = Task { [self] in
                defer { pendingAbdication.withLock { $0 = nil } }
                do {
                    try await Task.sleep(for: configuration.abdicationDelay)
                } catch {
                    return  // shut down first: the shutdown hands leadership over itself
                }
                let wasLeading = await abdicate()
                logger.notice("\(wasLeading ? "leadership abdicated" : "abdication asked for, but this server no longer leads")")
            }
        }
    }
}

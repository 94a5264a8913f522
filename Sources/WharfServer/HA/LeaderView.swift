/// What one server knows about the leadership of the cluster at a given moment: read at every API
/// request by `LeaderProxyResponder` to decide whether to answer, forward or wait.
public struct LeaderView: Sendable, Equatable {
    /// Whether this server leads (has won the election and may write).
    public var isLeader: Bool
    /// `host:port` of the current leader's API, nil while none is known (an election in progress,
    /// or the store unreachable).
    public var leaderAPIAddress: String?
    /// `host:port` this server's API is known as to the others: what it publishes as leader, puts in
    /// `X-Marathon-Via` and `X-Marathon-Leader`.
    public var myAPIAddress: String

    /// A view; `leaderAPIAddress` defaults to none.
    public init(isLeader: Bool, leaderAPIAddress: String? = nil, myAPIAddress: String) {
        self.isLeader = isLeader
        self.leaderAPIAddress = leaderAPIAddress
        self.myAPIAddress = myAPIAddress
    }

    /// Reads the current view; called once or more per request, so it must be cheap (a lock, not
    /// an actor hop or a store read).
    public typealias Provider = @Sendable () -> LeaderView

    /// The leader's address as `GET /v2/leader` names it: this server when it leads, the known
    /// leader otherwise.
    var namedLeader: String? { isLeader ? myAPIAddress : leaderAPIAddress }
}

/// Where one request goes, decided from a `LeaderView` (`LeaderProxyFilter.doFilter`).
enum LeaderRoute: Equatable {
    /// This server leads and has its API up: answer here.
    case local
    /// Another server leads: forward to its API at `host:port`.
    case forward(String)
    /// Leadership is being decided (no leader known, this server named as leader but not yet
    /// serving, or not named but still thinking so): wait a little and look again.
    case undecided

    /// The route for `view`; `hasLocal` says whether this server's API responder is installed.
    /// As Marathon does, `isLeader` wins over a stale leader address, and a leader address naming
    /// this server while it does not lead is inconsistent rather than a reason to proxy to itself.
    static func of(_ view: LeaderView, hasLocal: Bool) -> LeaderRoute {
        if view.isLeader { return hasLocal ? .local : .undecided }
        if let leader = view.leaderAPIAddress, leader != view.myAPIAddress { return .forward(leader) }
        return .undecided
    }
}

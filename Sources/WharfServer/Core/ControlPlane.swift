import Foundation
import HashTreeCollections
import Logging
import ServiceLifecycle
import WharfDiscovery
import WharfModel
import WharfScheduler
import WharfStore

/// The control plane: owns desired state (apps, groups, deployments) and the record of every
/// instance, turns API changes into deployments, and runs the reconciliation loop that asks the pure
/// scheduler what to launch and kill and tells agents over the `AgentLink`.
///
/// Every change is persisted before it takes effect in memory and before any reply, so an
/// acknowledged write survives `kill -9`. Status updates from agents are persisted write-behind
/// (batched per reconciliation pass): after a crash, agents report what really runs.
public actor ControlPlane: Service {
    /// Event fan-out for `/v2/events` and other consumers.
    public nonisolated let events: EventBus
    /// Routable endpoints per service, for the router, DNS and the Consul API.
    public nonisolated let catalog: Catalog
    /// Which catalog index the local router serves; kills wait for it.
    public nonisolated let routing = RoutingBarrier()
    public nonisolated let configuration: ServerConfiguration
    /// When this control plane started.
    public nonisolated let startedAt: Timestamp
    /// How agents enforce resource limits, for `/v2/info`.
    public nonisolated let isolationNote: String
    /// The election this control plane's term belongs to (`wharf server --etcd`); nil for a
    /// single server, which always leads.
    public nonisolated let leadership: ServerLeadership?

    let store: any StateStore
    /// The control plane's series in `configuration.metrics`.
    nonisolated let metrics: ControlPlaneMetrics
    let link: any AgentLink
    let scheduler: Scheduler
    let logger: Logger

    var state = ClusterState()
    /// Kept versions per app, newest first.
    var versions: TreeDictionary<PathId, [Timestamp]> = [:]
    /// Agents that registered but have not yet reported their tasks; nothing is placed on them yet.
    var pendingAgents: [String: AgentInfo] = [:]
    /// Per agent, the ports in its ranges that other processes hold on its host (its latest
    /// `portsInUse`); kept apart from `state.agents` so that a change does not touch the catalog.
    var hostPortsInUse: [String: [Int]] = [:]
    /// Instances whose state changed since the last flush to the store.
    var dirtyInstances: Set<String> = []
    /// Instances that became terminal and must be removed from the store.
    var expungedInstances: Set<String> = []
    /// When a kill was last sent per instance, to resend it if the agent never confirmed.
    var killSentAt: [String: Timestamp] = [:]
    /// Deployments whose progress changed since the last flush.
    var dirtyDeployments: Set<String> = []
    /// Apps whose `lastTaskFailure` changed since the last flush.
    var dirtyFailures: Set<PathId> = []
    /// Last timestamp handed out as a version, so versions are strictly increasing.
    var lastVersion = Timestamp(millis: 0)
    var passCount: UInt64 = 0
    /// The pending wake-up for the earliest launch delay to run out.
    var backoffWake: (at: Timestamp, task: Task<Void, Never>)?
    /// Set by `stopAllTasks()`: reconciliation passes launch nothing any more.
    var stoppingAllTasks = false
    /// Resumed when `stoppingAllTasks` is set and no instance is active any more (or on a timeout).
    var allTasksStopped: CheckedContinuation<Void, Never>?
    /// Apps waiting to be evaluated by a reconciliation pass.
    var evaluations = EvaluationQueue()
    /// Whether the next pass starts a resync: every app is marked for evaluation (the safety net
    /// behind per-app evaluation; `resyncIntervalSeconds`).
    var resyncPending = true
    /// When every app was last marked for a resync (see `isFullResyncDue`).
    var lastFullResync: ContinuousClock.Instant?
    /// Whether the last flush of status records failed (the next one is then left to the next
    /// wake-up rather than retried at once).
    var flushFailed = false
    /// What the catalog was last told of each app, with the deployments affecting it then.
    var publishedServices: [PathId: (services: AppServices, deployments: [String])] = [:]
    /// The service ports the local router routes, as of a catalog index.
    var routedPortsCache: (index: UInt64, ports: [Int])?
    /// Whether a write (deploy, kill, cancel, reconciliation pass) is in progress; see `serialized`.
    private var writeHeld = false
    private var writeWaiters: [CheckedContinuation<Void, Never>] = []

    private let wakeStream: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    /// Creates a control plane over `store`, talking to agents through `link`. Call `load()` before
    /// `run()`.
    public init(configuration: ServerConfiguration, store: any StateStore, link: any AgentLink,
                isolationNote: String, logger: Logger, leadership: ServerLeadership? = nil) {
        self.configuration = configuration
        self.leadership = leadership
        let metrics = ControlPlaneMetrics(registry: configuration.metrics)
        self.metrics = metrics
        self.store = TimedStateStore(store, registry: configuration.metrics)
        self.link = link
        self.isolationNote = isolationNote
        self.logger = logger
        self.events = EventBus()
        self.catalog = Catalog(datacenter: configuration.datacenter)
        self.startedAt = Timestamp.now()
        self.scheduler = Scheduler(makeInstanceId: { appId in
            Instance.makeId(appId: appId, unique: UUID().uuidString.lowercased())
        })
        (wakeStream, wakeContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        metrics.follow(self)
    }

    /// Reads the stored state. Instances are kept as recorded until their agent reports.
    ///
    /// Throws `NewerRecordsError` (naming the records) when the store holds records of a newer
    /// Wharf: nothing is changed and the control plane must not run. Records that cannot be read
    /// otherwise quarantine the apps they concern (`ClusterState.quarantine`), which are then left alone.
    ///
    /// `source` is where the records are read (default: the store; a new leader reads a snapshot
    /// its follower copy holds, `SnapshotStore`).
    public func load(from source: (any StateStore)? = nil) async throws {
        let loaded = try await (source ?? store).loadClusterState()
        state = loaded.state
        versions = loaded.versions
        lastVersion = max(state.rootVersion, state.apps.values.compactMap(\.version).max() ?? lastVersion)
        state.catalogChanges = Set(state.apps.keys)
        publishCatalog()
        for (key, reason) in state.quarantine.records.sorted(by: { $0.key < $1.key }) {
            logger.error("state record cannot be read; it is left in the store as it is", metadata: ["key": "\(key)", "reason": "\(reason)"])
        }
        for app in state.quarantine.apps.keys.sorted() {
            logger.error("\(state.quarantine.explanation(for: app) ?? "")", metadata: ["app": "\(app)"])
        }
        logger.info("state loaded", metadata: [
            "apps": "\(state.apps.count)", "instances": "\(state.instances.count)",
            "deployments": "\(state.deployments.count)", "quarantinedApps": "\(state.quarantine.apps.count)",
        ])
    }

    /// A consistent snapshot for readers; O(1).
    public func currentState() -> ClusterState { state }

    /// Kept versions of an app, newest first; nil when the app does not exist.
    public func appVersions(_ id: PathId) -> [Timestamp]? {
        guard state.apps[id] != nil else { return nil }
        return versions[id] ?? []
    }

    /// One stored version of an app, or nil when the app or that version is unknown.
    public func appDefinition(_ id: PathId, version: Timestamp) async throws -> AppDefinition? {
        if let current = state.apps[id], current.version == version { return current }
        guard versions[id]?.contains(version) == true else { return nil }
        let key = StateKeys.version(id, version)
        guard let record = try await store.get(key) else { return nil }
        do throws(RecordReadError) {
            return try StoredJSON.decode(StoredApp.self, record.value).definition
        } catch {
            throw ControlPlaneError.store("record \(key) cannot be read: \(error)")
        }
    }

    /// Forgets an app's launch delay (`DELETE /v2/queue/{id}/delay`); false when it has none queued.
    public func resetDelay(_ appId: PathId) -> Bool {
        guard state.apps[appId] != nil, state.queue[appId] != nil || state.backoff[appId] != nil else { return false }
        state.backoff[appId] = nil
        wake(apps: [appId])
        return true
    }

    /// Runs the agent-report loop and the reconciliation loop until graceful shutdown.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.consumeReports() }
                group.addTask { await self.reconcileLoop() }
                group.addTask { await self.resyncTicker() }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wakeContinuation.finish()
        }
        backoffWake?.task.cancel()
        backoffWake = nil
        await serialized { await flushQuietly() }
        events.shutdown()
    }

    /// Asks for a pass soon that evaluates `apps` (per-app evaluation), served in `lane`. Cheap;
    /// coalesces.
    func wake(apps: some Sequence<PathId>, lane: EvaluationQueue.Lane = .prompt) {
        evaluations.mark(apps, lane: lane)
        wakeContinuation.yield()
    }

    /// Asks for a pass soon over what a change of agent `agentId` (registered, reported its tasks,
    /// unreachable, draining, freed host ports) may concern: the apps with instances on it and the
    /// apps waiting for room.
    func wake(agent agentId: String) {
        evaluations.mark(state.queue.keys)
        for id in state.instanceIdsByAgent[agentId] ?? [] {
            if let instance = state.instances[id] { evaluations.mark(instance.appId) }
        }
        wakeContinuation.yield()
    }

    /// Asks for a resync soon: a pass that marks every app for evaluation.
    func wakeForResync() {
        resyncPending = true
        wakeContinuation.yield()
    }

    /// Asks for another pass when apps are still waiting for evaluation or status records for
    /// being written.
    func continueEvaluations() {
        // While every task is being stopped nothing is evaluated: the apps marked stay marked, and
        // passes run only when reports come.
        guard !stoppingAllTasks else { return }
        if !evaluations.isEmpty || (hasUnflushedChanges && !flushFailed) { wakeContinuation.yield() }
    }

    /// Runs `body` while no other write runs. The actor alone serialises only between suspension
    /// points; writes span awaits (store commits, agent messages) and must not interleave, or one
    /// could act on state the other is about to change. First come, first served; not reentrant.
    func serialized<T>(_ body: () async throws -> T) async rethrows -> T {
        if writeHeld {
            await withCheckedContinuation { writeWaiters.append($0) }
        } else {
            writeHeld = true
        }
        defer {
            if writeWaiters.isEmpty {
                writeHeld = false
            } else {
                writeWaiters.removeFirst().resume()
            }
        }
        return try await body()
    }

    /// For a long holder of the write gate (a pass), between steps that are each complete on their
    /// own: lets the writes waiting for the gate go first (an API write then waits for one step of a
    /// pass, not for all of it), then takes the gate back behind them. True when it did; the holder
    /// must then check again what the writes may have changed.
    func yieldWriteGate() async -> Bool {
        guard !writeWaiters.isEmpty else { return false }
        writeWaiters.removeFirst().resume()
        await withCheckedContinuation { writeWaiters.append($0) }
        return true
    }

    /// A version timestamp strictly after every one handed out before.
    func nextVersion() -> Timestamp {
        let now = Timestamp.now()
        lastVersion = now > lastVersion ? now : Timestamp(millis: lastVersion.millis + 1)
        return lastVersion
    }

    private func reconcileLoop() async {
        for await _ in wakeStream {
            if Task.isCancelled { break }
            await reconcile()
        }
    }

    private func resyncTicker() async {
        let interval = Duration.milliseconds(Int64(configuration.resyncIntervalSeconds * 1000))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { break }
            wakeForResync()
        }
    }

    /// Applies agent reports in batches: whatever arrived while the previous batch was applied is
    /// applied in one turn of the actor, with one catalog update and one wake-up for all of it.
    /// How many agent reports one turn of the actor applies at most.
    static let maxReportsPerTurn = 128

    private func consumeReports() async {
        let inbox = ReportInbox()
        let reports = link.reports
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await report in reports { inbox.put(report) }
                inbox.finish()
            }
            for await _ in inbox.arrivals {
                // Batches of a bounded size, each ending with a catalog update: the first reports
                // of a burst of thousands reach the routers without waiting for the last, and API
                // calls get the actor between batches.
                while !Task.isCancelled {
                    let batch = inbox.take(upTo: Self.maxReportsPerTurn)
                    if batch.isEmpty { break }
                    handle(batch)
                    await Task.yield()
                }
                if Task.isCancelled { break }
            }
            group.cancelAll()
        }
    }
}

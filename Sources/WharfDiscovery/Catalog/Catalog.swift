import Foundation
import Synchronization
import WharfModel

/// What a blocking query watches in the catalog, and so which index must move to answer it:
/// Consul's `X-Consul-Index` of that result.
public enum CatalogTopic: Hashable, Sendable {
    /// Any change (`index`).
    case everything
    /// The list of service names and their tags (`servicesIndex`).
    case serviceList
    /// The nodes (`nodesIndex`).
    case nodes
    /// One service's entry (`index(ofService:)`).
    case service(String)

    /// The index of this topic in `snapshot`.
    public func index(in snapshot: CatalogSnapshot) -> UInt64 {
        switch self {
        case .everything: snapshot.index
        case .serviceList: snapshot.servicesIndex
        case .nodes: snapshot.nodesIndex
        case let .service(name): snapshot.index(ofService: name)
        }
    }
}

/// The live catalog: which endpoints serve which service, derived from instance state by the
/// control plane and read by the router, DNS and the Consul API.
///
/// Writers replace the services of whole apps; every change produces a new immutable
/// `CatalogSnapshot` with a higher index. Blocking waits are grouped by the topic they watch, and a
/// change wakes only the groups whose index it moved (a change of one service does not wake the
/// queries on the others); streams get every snapshot. Reading the current snapshot is a lock plus
/// a reference copy, cheap enough for every DNS query.
public final class Catalog: Sendable {
    private struct State {
        var snapshot: CatalogSnapshot
        /// Services per app, as last set.
        var byApp: [PathId: [CatalogService]] = [:]
        /// Apps with a service of each name.
        var appsByName: [String: Set<PathId>] = [:]
        var nextWaiter = 0
        /// Parked blocking waits by the topic they watch, then by id.
        var waiters: [CatalogTopic: [Int: CheckedContinuation<CatalogSnapshot?, Never>]] = [:]
        var streams: [Int: AsyncStream<CatalogSnapshot>.Continuation] = [:]
        /// After `close()`, waits return at once.
        var closed = false
    }

    private let state: Mutex<State>

    /// An empty catalog for `datacenter`, its index starting at the wall clock in milliseconds so
    /// that it never goes backwards across restarts.
    public init(datacenter: String = "dc1", startIndex: UInt64? = nil) {
        let start = startIndex ?? UInt64(max(1, Date().timeIntervalSince1970 * 1000))
        state = Mutex(State(snapshot: CatalogSnapshot(index: max(1, start), datacenter: datacenter)))
    }

    /// The current snapshot.
    public var snapshot: CatalogSnapshot { state.withLock { $0.snapshot } }

    /// Replaces the services of the given apps (an empty list removes an app) in one change. Names
    /// whose content is unchanged keep their index; nothing is published when nothing changed.
    public func replace(_ changes: [PathId: [CatalogService]]) {
        publish { state in
            var touched = Set<String>()
            for (app, services) in changes {
                for old in state.byApp[app] ?? [] {
                    touched.insert(old.name)
                    state.appsByName[old.name]?.remove(app)
                    if state.appsByName[old.name]?.isEmpty == true { state.appsByName[old.name] = nil }
                }
                for new in services {
                    touched.insert(new.name)
                    state.appsByName[new.name, default: []].insert(app)
                }
                state.byApp[app] = services.isEmpty ? nil : services
            }
            guard !touched.isEmpty else { return false }
            var parts: [String: [CatalogService]] = [:]
            for name in touched {
                parts[name] = (state.appsByName[name] ?? []).flatMap { app in
                    (state.byApp[app] ?? []).filter { $0.name == name }
                }
            }
            let next = state.snapshot.index + 1
            var changed = false
            var namesOrTagsChanged = false
            for (name, list) in parts {
                let sorted = list.sorted { ($0.appId.description, $0.portIndex ?? -1) < ($1.appId.description, $1.portIndex ?? -1) }
                let existing = state.snapshot.services[name]
                if sorted.isEmpty {
                    guard existing != nil else { continue }
                    state.snapshot.services[name] = nil
                    state.snapshot.removedAt[name] = next
                    changed = true
                    namesOrTagsChanged = true
                } else if existing?.parts != sorted {
                    let entry = ServiceEntry(name: name, parts: sorted, createIndex: existing?.createIndex ?? next, modifyIndex: next)
                    if existing == nil || existing?.tags != entry.tags { namesOrTagsChanged = true }
                    state.snapshot.services[name] = entry
                    state.snapshot.removedAt[name] = nil
                    changed = true
                }
            }
            guard changed else { return false }
            state.snapshot.index = next
            if namesOrTagsChanged { state.snapshot.servicesIndex = next }
            return true
        }
    }

    /// Replaces the set of nodes.
    public func setNodes(_ nodes: [CatalogNode]) {
        publish { state in
            let byName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
            guard byName != state.snapshot.nodes else { return false }
            state.snapshot.index += 1
            state.snapshot.nodes = byName
            state.snapshot.nodesIndex = state.snapshot.index
            return true
        }
    }

    /// Waits until the index of `topic` is above `index` or `timeout` passes, and returns the
    /// snapshot then (on timeout, the current one), as Consul's blocking queries do. Returns at once
    /// when the index is already ahead.
    public func wait(forIndexAbove index: UInt64, timeout: Duration, on topic: CatalogTopic) async -> CatalogSnapshot {
        let deadline = ContinuousClock.now + timeout
        var current = snapshot
        while topic.index(in: current) <= index {
            guard let next = await nextChange(of: topic, above: index, deadline: deadline) else { return snapshot }
            current = next
        }
        return current
    }

    /// Ends every blocking wait now and makes later ones return at once (graceful shutdown: open
    /// blocking queries must not hold the API servers up for minutes).
    public func close() {
        let waiters = state.withLock { state -> [CheckedContinuation<CatalogSnapshot?, Never>] in
            state.closed = true
            let waiters = state.waiters.values.flatMap(\.values)
            state.waiters = [:]
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// How many blocking waits are parked right now.
    public var waitingCount: Int { state.withLock { $0.waiters.values.reduce(0) { $0 + $1.count } } }

    /// Every snapshot from now on, starting with the current one; a slow reader sees only the
    /// newest. The stream ends when the consumer stops iterating.
    public func changes() -> AsyncStream<CatalogSnapshot> {
        let (stream, continuation) = AsyncStream<CatalogSnapshot>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            let id = state.nextWaiter
            state.nextWaiter += 1
            state.streams[id] = continuation
            continuation.yield(state.snapshot)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    /// Changes the snapshot of a mirror catalog directly (see `apply(_:)`), publishing it when
    /// `change` says so.
    func mirror(_ change: (inout CatalogSnapshot) -> Bool) -> Bool {
        var applied = false
        publish { state in
            applied = change(&state.snapshot)
            return applied
        }
        return applied
    }

    /// Runs `change` under the lock; when it reports a change, hands the new snapshot to every
    /// stream and to the waiters of each topic whose index moved: O(topics waited on), not
    /// O(waiters).
    private func publish(_ change: (inout State) -> Bool) {
        let (snapshot, waiters, streams) = state.withLock { state -> (CatalogSnapshot?, [CheckedContinuation<CatalogSnapshot?, Never>], [AsyncStream<CatalogSnapshot>.Continuation]) in
            let before = state.snapshot
            guard change(&state) else { return (nil, [], []) }
            var woken: [CheckedContinuation<CatalogSnapshot?, Never>] = []
            for topic in Array(state.waiters.keys) where topic.index(in: state.snapshot) != topic.index(in: before) {
                if let group = state.waiters.removeValue(forKey: topic) { woken += group.values }
            }
            return (state.snapshot, woken, Array(state.streams.values))
        }
        guard let snapshot else { return }
        for waiter in waiters { waiter.resume(returning: snapshot) }
        for stream in streams { stream.yield(snapshot) }
    }

    /// The next snapshot with the index of `topic` above `index`, or nil at the deadline or on
    /// cancellation.
    private func nextChange(of topic: CatalogTopic, above index: UInt64, deadline: ContinuousClock.Instant) async -> CatalogSnapshot? {
        guard deadline > ContinuousClock.now else { return nil }
        let id = state.withLock { state -> Int in
            let id = state.nextWaiter
            state.nextWaiter += 1
            return id
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            self?.cancelWaiter(id, topic)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CatalogSnapshot?, Never>) in
                let immediate: CatalogSnapshot?? = state.withLock { state in
                    if topic.index(in: state.snapshot) > index { return .some(state.snapshot) }
                    if state.closed || Task.isCancelled || deadline <= ContinuousClock.now { return .some(nil) }
                    state.waiters[topic, default: [:]][id] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            cancelWaiter(id, topic)
        }
    }

    /// Resumes waiter `id` of `topic` with nil if it is still waiting.
    private func cancelWaiter(_ id: Int, _ topic: CatalogTopic) {
        let waiter = state.withLock { state -> CheckedContinuation<CatalogSnapshot?, Never>? in
            let waiter = state.waiters[topic]?.removeValue(forKey: id)
            if state.waiters[topic]?.isEmpty == true { state.waiters[topic] = nil }
            return waiter
        }
        waiter?.resume(returning: nil)
    }
}

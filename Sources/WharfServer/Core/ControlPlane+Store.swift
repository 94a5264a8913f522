import WharfStore

/// How the control plane commits to its store within the store's limit on operations per
/// transaction (etcd's `--max-txn-ops`; unlimited for SQLite).
extension ControlPlane {
    /// Commits one change atomically. A change that needs more operations than the store takes in
    /// one transaction is refused whole (`ControlPlaneError.unprocessable`), never half-applied.
    func commitChange(_ operations: [StoreOperation]) async throws {
        let limit = store.maxOperationsPerTransaction
        guard operations.count <= limit else {
            throw ControlPlaneError.unprocessable(
                "this change needs \(operations.count) state store operations, more than the \(limit) the store takes at once "
                + "(etcd's --max-txn-ops, given to wharf server as --max-txn-ops): change fewer apps per request, "
                + "or raise the limit on etcd and on wharf server")
        }
        do {
            try await store.transaction(operations)
        } catch {
            throw ControlPlaneError(storeFailure: error)
        }
    }

    /// Commits writes that do not depend on each other (status updates, expunged records) in as
    /// many transactions as the store's limit needs. A failure leaves the earlier batches written;
    /// the caller writes everything again next time, which is harmless.
    func commitIndependent(_ operations: [StoreOperation]) async throws {
        let limit = max(1, store.maxOperationsPerTransaction)
        var start = 0
        while start < operations.count {
            let end = min(operations.count, start + limit)
            try await store.transaction(Array(operations[start..<end]))
            start = end
        }
    }

    /// `items` in consecutive batches of at most the store's limit on operations per transaction,
    /// each of which the control plane persists and acts on before the next (launches, kills).
    func storeBatches<T>(_ items: [T]) -> [ArraySlice<T>] {
        let limit = max(1, store.maxOperationsPerTransaction)
        return stride(from: 0, to: items.count, by: limit).map { items[$0..<min(items.count, $0 + limit)] }
    }
}

extension ControlPlaneError {
    /// A store failure as the API reports it: 503 when this server no longer leads or the store
    /// cannot be reached (retrying helps), else 500.
    init(storeFailure error: any Error) {
        if let error = error as? ControlPlaneError {
            self = error
            return
        }
        switch error as? StoreError {
        case let .fenced(reason)?:
            self = .unavailable("this server no longer leads the cluster (\(reason)); retry: the request goes to the new leader")
        case let .unavailable(reason)?:
            // etcd may have taken the write and not answered in time (a frozen or partitioned
            // leader applies it when it comes back): the outcome is unknown, and the answer says so.
            self = .unavailable("the state store did not confirm the change: \(reason); it may or may not have been applied, "
                + "so read the current state before retrying")
        default:
            self = .store("\(error)")
        }
    }
}

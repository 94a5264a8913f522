import Foundation
import Prometheus
import WharfMetrics
import WharfStore

/// A `StateStore` that times every operation of the store it wraps
/// (`wharf_store_operation_duration_seconds`, `wharf_store_operation_errors_total`).
struct TimedStateStore: StateStore {
    /// One operation's series.
    struct Series: Sendable {
        let duration: DurationHistogram
        let errors: Counter

        init(_ operation: String, registry: MetricsRegistry) {
            duration = registry.histogram(MetricFamilies.storeOperationDuration, operation)
            errors = registry.counter(MetricFamilies.storeOperationErrors, operation)
        }
    }

    let base: any StateStore
    private let getSeries: Series
    private let listSeries: Series
    private let putSeries: Series
    private let deleteSeries: Series
    private let transactionSeries: Series

    init(_ base: any StateStore, registry: MetricsRegistry) {
        self.base = base
        getSeries = Series("get", registry: registry)
        listSeries = Series("list", registry: registry)
        putSeries = Series("put", registry: registry)
        deleteSeries = Series("delete", registry: registry)
        transactionSeries = Series("transaction", registry: registry)
    }

    private func timed<T>(_ series: Series, _ operation: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        do {
            let result = try await operation()
            series.duration.record(ContinuousClock.now - start)
            return result
        } catch {
            series.duration.record(ContinuousClock.now - start)
            series.errors.increment()
            throw error
        }
    }

    func get(_ key: String) async throws -> StoredValue? {
        try await timed(getSeries) { try await base.get(key) }
    }

    func list(prefix: String) async throws -> [StoredValue] {
        try await timed(listSeries) { try await base.list(prefix: prefix) }
    }

    func put(_ key: String, _ value: Data, expectedRevision: Int64?) async throws -> Int64 {
        try await timed(putSeries) { try await base.put(key, value, expectedRevision: expectedRevision) }
    }

    func delete(_ key: String, expectedRevision: Int64?) async throws -> Bool {
        try await timed(deleteSeries) { try await base.delete(key, expectedRevision: expectedRevision) }
    }

    func transaction(_ operations: [StoreOperation]) async throws -> Int64 {
        try await timed(transactionSeries) { try await base.transaction(operations) }
    }

    var maxOperationsPerTransaction: Int { base.maxOperationsPerTransaction }

    func currentRevision() async throws -> Int64 {
        try await base.currentRevision()
    }

    func close() async throws {
        try await base.close()
    }
}

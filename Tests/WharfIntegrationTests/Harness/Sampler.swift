import Synchronization

/// Runs `probe` every `interval` in the background until `stop()`, keeping every value it returns
/// (probe errors are counted, not kept): for invariants that must hold *throughout* something.
final class Sampler<Sample: Sendable>: Sendable {
    /// What the background task writes into; shared by reference because `Mutex` cannot be copied.
    private final class Storage: Sendable {
        let samples = Mutex<[Sample]>([])
        let errors = Mutex<[String]>([])
    }

    private let storage = Storage()
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(every interval: Duration = .milliseconds(75), _ probe: @escaping @Sendable () async throws -> Sample) {
        let storage = storage
        let handle = Task {
            while !Task.isCancelled {
                do {
                    let sample = try await probe()
                    // A probe cut short by stop() may have swallowed the cancellation: drop its sample.
                    if Task.isCancelled { return }
                    storage.samples.withLock { $0.append(sample) }
                } catch is CancellationError {
                    return
                } catch {
                    storage.errors.withLock { $0.append(String(describing: error)) }
                }
                try? await Task.sleep(for: interval)
            }
        }
        task.withLock { $0 = handle }
    }

    /// Every sample so far.
    var values: [Sample] { storage.samples.withLock { $0 } }

    /// Probe errors so far.
    var failures: [String] { storage.errors.withLock { $0 } }

    /// Stops sampling (waits for a probe in flight) and returns every sample.
    @discardableResult
    func stop() async -> [Sample] {
        let handle = task.withLock { $0 }
        handle?.cancel()
        await handle?.value
        return values
    }

    deinit {
        task.withLock { $0?.cancel() }
    }
}

import Synchronization
import WharfModel

/// Agent reports between the link and the control plane: the link's stream is drained into it as
/// fast as reports come, and the control plane takes what has arrived in batches, so that a burst
/// of reports costs a few turns of the actor rather than one per report.
final class ReportInbox: Sendable {
    private let pending = Mutex<[AgentReport]>([])
    /// Yields whenever reports arrive (coalesced: one element stands for any number of reports).
    let arrivals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init() {
        (arrivals, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func put(_ report: AgentReport) {
        pending.withLock { $0.append(report) }
        signal.yield()
    }

    /// The oldest reports not yet taken, at most `limit`, in arrival order; empty when none.
    func take(upTo limit: Int) -> [AgentReport] {
        pending.withLock { reports in
            guard reports.count > limit else {
                let taken = reports
                reports = []
                return taken
            }
            let taken = Array(reports.prefix(limit))
            reports.removeFirst(limit)
            return taken
        }
    }

    /// Ends `arrivals` once the link's stream has ended.
    func finish() { signal.finish() }
}

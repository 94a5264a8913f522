import Synchronization
import WharfModel

/// Agent reports between the link and the control plane: the link's stream is drained into it as
/// fast as reports come, and the control plane takes everything that has arrived at once, so that
/// a burst of reports costs one turn of the actor rather than one per report.
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

    /// Every report not yet taken, in arrival order.
    func takeAll() -> [AgentReport] {
        pending.withLock { reports in
            let taken = reports
            reports = []
            return taken
        }
    }

    /// Ends `arrivals` once the link's stream has ended.
    func finish() { signal.finish() }
}

import Logging
import NIOCore

/// What every connection handler of one router shares: settings, the live table, the logger and
/// the listener status callback.
final class ProxyEnvironment: Sendable {
    let configuration: RouterConfiguration
    let store: RouteStore
    let logger: Logger
    let loops: LoopContexts
    /// Per-service series; nil when the router keeps none.
    let metrics: RouterMetrics?

    init(configuration: RouterConfiguration, store: RouteStore, logger: Logger, loops: LoopContexts, metrics: RouterMetrics? = nil) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.loops = loops
        self.metrics = metrics
    }
}

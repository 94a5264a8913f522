import NIOConcurrencyHelpers
import NIOCore

/// State kept per event loop: the backend connection pool and a shard of the counters.
///
/// `@unchecked Sendable`: `pool` is only touched on `eventLoop` (every caller either runs in a
/// handler of a channel on that loop or hops there with `eventLoop.execute`); `stats` is
/// lock-protected so that `EdgeRouter.stats` can sum the shards from any thread.
final class LoopContext: @unchecked Sendable {
    let eventLoop: any EventLoop
    let pool: BackendPool
    let stats = NIOLockedValueBox(RouterStats())

    init(eventLoop: any EventLoop, maxIdlePerBackend: Int) {
        self.eventLoop = eventLoop
        self.pool = BackendPool(maxIdlePerBackend: maxIdlePerBackend)
    }

    /// Updates this loop's counters.
    @inline(__always)
    func count(_ update: (inout RouterStats) -> Void) {
        self.stats.withLockedValue(update)
    }
}

/// The loop contexts of an event loop group, looked up by loop identity once per connection.
struct LoopContexts: Sendable {
    private let byLoop: [ObjectIdentifier: LoopContext]
    let all: [LoopContext]

    init(group: any EventLoopGroup, maxIdlePerBackend: Int) {
        var byLoop: [ObjectIdentifier: LoopContext] = [:]
        var all: [LoopContext] = []
        for loop in group.makeIterator() {
            let context = LoopContext(eventLoop: loop, maxIdlePerBackend: maxIdlePerBackend)
            byLoop[ObjectIdentifier(loop)] = context
            all.append(context)
        }
        self.byLoop = byLoop
        self.all = all
    }

    /// The context of `loop`; every loop of the group has one.
    func context(for loop: any EventLoop) -> LoopContext? {
        self.byLoop[ObjectIdentifier(loop)]
    }
}

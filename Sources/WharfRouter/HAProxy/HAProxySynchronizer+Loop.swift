import Logging
import ServiceLifecycle

/// Fetches Wharf's routes: with `after` set, a blocking query that answers once the index is above
/// `after` or `wait` has passed (Consul semantics); without, at once.
public typealias HAProxyRouteFetcher = @Sendable (_ after: UInt64?, _ wait: Duration) async throws -> HAProxyRoutes

extension HAProxySynchronizer {
    /// Follows Wharf's routes until cancelled: each answer (a change, or the blocking query's timeout
    /// as a periodic resync) runs one `sync` round. When Wharf or HAProxy cannot be reached HAProxy
    /// keeps what it runs, and attempts continue with exponential backoff. A managed HAProxy is stopped
    /// at the end.
    public func follow(_ fetch: HAProxyRouteFetcher) async {
        var index: UInt64?
        var failures = 0
        var retrying = false
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                let wait = retrying ? configuration.retryInterval : configuration.resyncInterval
                let routes = try await fetch(index, wait)
                let unchanged = routes.index == index
                index = routes.index  // a lower index means Wharf restarted: follow it from there
                let outcome = try await sync(routes)
                if failures > 0 { logger.info("in step with Wharf's routes again (index \(routes.index))") }
                failures = 0
                retrying = outcome != .inSync
                if case .retry(let reason) = outcome { logger.debug("will retry: \(reason)") }
                // A server that ignores blocking must not turn this into a busy loop.
                if unchanged, ContinuousClock.now - started < .seconds(1) { try await Task.sleep(for: .seconds(1)) }
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                failures += 1
                let delay = min(configuration.maxBackoff, .milliseconds(500) * (1 << min(failures - 1, 10)))
                logger.warning("HAProxy left as it is: \(error); retrying in \(delay)", metadata: ["failures": "\(failures)"])
                do { try await Task.sleep(for: delay) } catch { break }
            }
        }
        // Not cancelled itself, so the stop can wait for HAProxy's soft stop.
        let control = control
        await Task { await control.stop() }.value
    }
}

/// Runs a synchronizer as a `Service`: stops following the routes on graceful shutdown (SIGTERM).
public struct HAProxySyncService: Service {
    let synchronizer: HAProxySynchronizer
    let fetch: HAProxyRouteFetcher

    /// A service following `fetch` with `synchronizer`.
    public init(synchronizer: HAProxySynchronizer, fetch: @escaping HAProxyRouteFetcher) {
        self.synchronizer = synchronizer
        self.fetch = fetch
    }

    public func run() async throws {
        let synchronizer = synchronizer
        let fetch = fetch
        await cancelWhenGracefulShutdown {
            await synchronizer.follow(fetch)
        }
    }
}

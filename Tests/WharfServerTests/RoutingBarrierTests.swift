import Testing
@testable import WharfServer

@Suite("Routing barrier over several routers", .timeLimit(.minutes(1)))
struct RoutingBarrierTests {
    /// Starts a wait and says whether it has returned.
    final class Waiter: Sendable {
        let done = LockedValue(false)
        /// Whether every router served the index when the wait returned (false: it timed out).
        let task: Task<Bool, Never>

        init(_ barrier: RoutingBarrier, index: UInt64, timeout: Duration = .seconds(30)) {
            let done = self.done
            task = Task {
                let served = await barrier.wait(forIndex: index, timeout: timeout)
                done.withLock { $0 = true }
                return served
            }
        }

        var returned: Bool { done.withLock { $0 } }
    }

    @Test("a wait returns once every attached router serves the index, or once the lagging one detaches")
    func waitsForEveryRouter() async throws {
        let reported = LockedValue<[String]>([])
        let barrier = RoutingBarrier(onApplied: { router, index in reported.withLock { $0.append("\(router)@\(index)") } })
        #expect(await barrier.wait(forIndex: 10, timeout: .seconds(30)), "none attached: at once")
        barrier.attach(RoutingBarrier.localRouter)
        barrier.attach("agent-1")
        let waiter = Waiter(barrier, index: 5)
        barrier.applied(5, by: RoutingBarrier.localRouter)
        try await Task.sleep(for: .milliseconds(50))
        #expect(!waiter.returned, "agent-1 does not serve index 5 yet")
        barrier.applied(6, by: "agent-1")
        #expect(await waiter.task.value)
        #expect(reported.withLock { $0 } == ["local@5", "agent-1@6"])

        barrier.attach("agent-2")
        let second = Waiter(barrier, index: 5)
        try await Task.sleep(for: .milliseconds(50))
        #expect(!second.returned)
        barrier.detach("agent-2")
        #expect(await second.task.value)
        #expect(barrier.appliedIndexes == ["local": 5, "agent-1": 6])
    }

    @Test("a router that never catches up holds a wait only until its timeout")
    func stuckRouterTimesOut() async {
        let barrier = RoutingBarrier()
        barrier.attach("stuck")
        #expect(await !barrier.wait(forIndex: 3, timeout: .milliseconds(100)))
        barrier.applied(9, by: "not-attached")
        #expect(barrier.appliedIndexes == ["stuck": 0])
    }
}

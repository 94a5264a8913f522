import Testing
@testable import WharfScheduler

/// Runs the benchmark at full size (10,000 agents, 100,000 instances). Correctness only; the time is
/// for `wharf bench scheduler` and for reading by hand (`swift test -c release --filter SchedulerBench`).
@Suite(.timeLimit(.minutes(3))) struct SchedulerBenchTests {
    @Test func benchmarkPlacesEverything() {
        let result = SchedulerBenchmark.run(agents: 10_000, instances: 100_000, apps: 500)
        #expect(result.placements == 100_000)
        print("SchedulerBench: \(result.placements) placements in \(result.seconds) s = \(Int(Double(result.placements) / result.seconds)) placements/s")
    }
}

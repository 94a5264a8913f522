import ArgumentParser
import Foundation
import WharfScheduler

/// `wharf bench`: in-process benchmarks that need no running server.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Wharf's components in-process (see bench/ for end-to-end benchmarks).",
        subcommands: [SchedulerBench.self])
}

/// `wharf bench scheduler`: placements per second of one scheduler pass on a simulated cluster.
struct SchedulerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Place N instances on M empty simulated agents in one scheduler pass and report the rate.")

    @Option(help: "Simulated agents.") var agents = 10_000
    @Option(help: "Instances to place.") var instances = 100_000
    @Option(help: "Apps the instances belong to.") var apps = 500
    @Option(help: "Repetitions; the best and the median are reported.") var runs = 3

    func validate() throws {
        guard agents > 0, instances > 0, apps > 0, runs > 0 else {
            throw ValidationError("--agents, --instances, --apps and --runs must be positive")
        }
    }

    func run() async throws {
        var rates: [Double] = []
        for run in 1...runs {
            let result = SchedulerBenchmark.run(agents: agents, instances: instances, apps: apps)
            let rate = Double(result.placements) / result.seconds
            rates.append(rate)
            print("run \(run): placed \(result.placements)/\(instances) on \(agents) agents in "
                + String(format: "%.3f s = %.0f placements/s", result.seconds, rate))
        }
        let sorted = rates.sorted()
        print(String(format: "best %.0f placements/s, median %.0f placements/s", sorted.last!, sorted[sorted.count / 2]))
    }
}

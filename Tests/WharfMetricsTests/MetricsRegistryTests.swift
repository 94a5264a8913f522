import Testing
@testable import WharfMetrics

@Suite("Metrics registry")
struct MetricsRegistryTests {
    static func scrape(_ registry: MetricsRegistry) async throws -> (text: String, samples: [ExpositionSample]) {
        let text = String(decoding: await registry.exposition(), as: UTF8.self)
        let samples = try #require(ExpositionSample.parse(text), "unparsable exposition:\n\(text)")
        return (text, samples)
    }

    @Test("every family registers with its HELP and TYPE, in one group per name")
    func everyFamily() async throws {
        let registry = MetricsRegistry()
        for family in MetricFamilies.all {
            let values = family.labels.map { "v-\($0)" }
            switch family {
            case .counter(let counter): registry.counter(counter, values: values).increment(by: Int64(2))
            case .gauge(let gauge): registry.gauge(gauge, values: values).set(to: 3)
            case .histogram(let histogram): registry.histogram(histogram, values: values).record(.milliseconds(30))
            }
        }
        let (text, samples) = try await Self.scrape(registry)
        let lines = text.split(separator: "\n")
        for family in MetricFamilies.all {
            #expect(lines.filter { $0 == "# TYPE \(family.name) \(family.type)" }.count == 1, "\(family.name)")
            #expect(lines.contains { $0.hasPrefix("# HELP \(family.name) ") }, "\(family.name)")
            let expected: [String: String] = Dictionary(uniqueKeysWithValues: family.labels.map { ($0, "v-\($0)") })
            switch family {
            case .counter(let counter):
                #expect(ExpositionSample.value(counter.name, expected, in: samples) == 2, "\(counter.name)")
            case .gauge(let gauge):
                #expect(ExpositionSample.value(gauge.name, expected, in: samples) == 3, "\(gauge.name)")
            case .histogram(let histogram):
                #expect(ExpositionSample.value(histogram.name + "_count", expected, in: samples) == 1)
                #expect(ExpositionSample.value(histogram.name + "_bucket", expected.merging(["le": "+Inf"]) { $1 }, in: samples) == 1)
                #expect(ExpositionSample.value(histogram.name + "_bucket", expected.merging(["le": "0.025"]) { $1 }, in: samples) == 0)
                #expect(ExpositionSample.value(histogram.name + "_bucket", expected.merging(["le": "0.05"]) { $1 }, in: samples) == 1)
                #expect(ExpositionSample.value(histogram.name + "_sum", expected, in: samples) == 0.03)
            }
        }
    }

    @Test("labels are written in the family's order and escaped; asking again gives the same series")
    func labelOrderAndEscaping() async throws {
        let registry = MetricsRegistry()
        let tricky = "/a\"b\\c\nd"
        let first = registry.counter(MetricFamilies.taskOOMKills, tricky, "t1")
        first.increment()
        registry.counter(MetricFamilies.taskOOMKills, tricky, "t1").increment()
        let (text, samples) = try await Self.scrape(registry)
        #expect(text.contains(#"wharf_task_oom_kills_total{app="/a\"b\\c\nd",task="t1"} 2"#), "\(text)")
        #expect(ExpositionSample.value("wharf_task_oom_kills_total", ["app": tricky, "task": "t1"], in: samples) == 2)
    }

    @Test("a removed series leaves the exposition (its family too, once empty) and starts at 0 when made again")
    func removal() async throws {
        let registry = MetricsRegistry()
        let one = registry.gauge(MetricFamilies.taskMemoryUsage, "/app", "t1")
        let two = registry.gauge(MetricFamilies.taskMemoryUsage, "/app", "t2")
        one.set(to: 10)
        two.set(to: 20)
        registry.remove(one)
        var (text, samples) = try await Self.scrape(registry)
        #expect(ExpositionSample.value("wharf_task_memory_usage_bytes", ["task": "t1"], in: samples) == nil)
        #expect(ExpositionSample.value("wharf_task_memory_usage_bytes", ["task": "t2"], in: samples) == 20)
        registry.remove(two)
        (text, samples) = try await Self.scrape(registry)
        #expect(!text.contains("wharf_task_memory_usage_bytes"), "\(text)")
        let counter = registry.counter(MetricFamilies.taskCPU, "/app", "t1")
        counter.increment(by: 5.5)
        registry.remove(counter)
        registry.counter(MetricFamilies.taskCPU, "/app", "t1").increment(by: 1.5)
        (_, samples) = try await Self.scrape(registry)
        #expect(ExpositionSample.value("wharf_task_cpu_seconds_total", ["task": "t1"], in: samples) == 1.5)
    }

    @Test("collectors run before each exposition; one of the same name replaces the other")
    func collectors() async throws {
        let registry = MetricsRegistry()
        let apps = registry.gauge(MetricFamilies.apps)
        registry.setCollector(named: "state") { apps.set(to: 1) }
        registry.setCollector(named: "state") { apps.set(to: 7) }
        let (_, samples) = try await Self.scrape(registry)
        #expect(ExpositionSample.value("wharf_apps", in: samples) == 7)
    }

    @Test("concurrent scrapes run collectors one at a time")
    func serializedScrapes() async throws {
        let registry = MetricsRegistry()
        let running = Overlap()
        registry.setCollector(named: "slow") {
            await running.enter()
            try? await Task.sleep(for: .milliseconds(5))
            await running.leave()
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = await registry.exposition() } }
        }
        #expect(await running.maximum == 1)
        #expect(await running.entries == 8)
    }

    actor Overlap {
        var current = 0
        var maximum = 0
        var entries = 0
        func enter() {
            current += 1
            entries += 1
            maximum = max(maximum, current)
        }
        func leave() { current -= 1 }
    }

    @Test("a mirrored counter adds what its source grew by and never goes down")
    func mirroredCounter() async throws {
        let registry = MetricsRegistry()
        var cpu = MirroredCounter(registry.counter(MetricFamilies.taskCPU, "/a", "t"))
        cpu.advance(to: 1.25)
        cpu.advance(to: 2.0)
        cpu.advance(to: 0.5)
        cpu.advance(to: 0.75)
        var kills = MirroredCounter(registry.counter(MetricFamilies.taskOOMKills, "/a", "t"))
        kills.advance(to: UInt64(3))
        kills.advance(to: UInt64(3))
        kills.advance(to: UInt64(1) << 60)
        let (_, samples) = try await Self.scrape(registry)
        #expect(ExpositionSample.value("wharf_task_cpu_seconds_total", in: samples) == 2.25)
        #expect(ExpositionSample.value("wharf_task_oom_kills_total", in: samples) == Double(UInt64(1) << 60))
    }

    @Test("the parser rejects malformed lines")
    func parser() {
        #expect(ExpositionSample.parse("a 1\nb{x=\"y\"} 2.5\n# HELP c text\n")?.count == 2)
        #expect(ExpositionSample.parse("a{x=\"y\" 1") == nil)
        #expect(ExpositionSample.parse("a one") == nil)
    }
}

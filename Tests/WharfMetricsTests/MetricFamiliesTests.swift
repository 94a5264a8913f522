import Testing
@testable import WharfMetrics

/// The catalogue obeys Prometheus' naming rules (what `promtool check metrics` lints), so that no
/// family can be added that fails the lint or collides with another.
@Suite("Metric families")
struct MetricFamiliesTests {
    static let nameCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789_")

    @Test("every name is wharf_ snake_case, unique, with help text")
    func names() {
        var seen = Set<String>()
        for family in MetricFamilies.all {
            #expect(family.name.hasPrefix("wharf_"), "\(family.name)")
            #expect(family.name.allSatisfy { Self.nameCharacters.contains($0) }, "\(family.name) is not snake_case")
            #expect(seen.insert(family.name).inserted, "\(family.name) defined twice")
            #expect(!family.help.isEmpty && !family.help.contains("\n"), "\(family.name) needs one line of help")
            // promtool: no type names and no non-base or abbreviated units as a token.
            let tokens = Set(family.name.split(separator: "_").map(String.init))
            for token in ["counter", "gauge", "histogram", "summary", "milliseconds", "minutes", "ms", "sec", "kb", "mb", "bits"] {
                #expect(!tokens.contains(token), "\(family.name) has the token \(token)")
            }
        }
        #expect(MetricFamilies.all.count >= 30)
    }

    @Test("counters end in _total and nothing else does; histograms are in seconds with ascending buckets")
    func suffixes() {
        for family in MetricFamilies.all {
            switch family {
            case .counter(let counter):
                #expect(counter.name.hasSuffix("_total"), "\(counter.name)")
            case .gauge(let gauge):
                #expect(!gauge.name.hasSuffix("_total"), "\(gauge.name)")
            case .histogram(let histogram):
                #expect(histogram.name.hasSuffix("_seconds"), "\(histogram.name)")
                #expect(!histogram.buckets.isEmpty)
                #expect(zip(histogram.buckets, histogram.buckets.dropFirst()).allSatisfy { $0 < $1 }, "\(histogram.name) buckets")
            }
            for suffix in ["_bucket", "_count", "_sum"] where family.type != "histogram" {
                #expect(!family.name.hasSuffix(suffix), "\(family.name)")
            }
        }
    }

    @Test("label names are snake_case, never reserved, never repeated")
    func labels() {
        for family in MetricFamilies.all {
            #expect(Set(family.labels).count == family.labels.count, "\(family.name)")
            for label in family.labels {
                #expect(!label.isEmpty && label.allSatisfy { Self.nameCharacters.contains($0) }, "\(family.name): \(label)")
                #expect(!label.hasPrefix("__") && label != "le" && label != "quantile", "\(family.name): \(label)")
            }
        }
    }

    @Test("only the per-task families are labelled with a task id")
    func unboundedLabels() {
        let perTask = MetricFamilies.all.filter { $0.labels.contains("task") }.map(\.name).sorted()
        #expect(perTask == ["wharf_task_cpu_seconds_total", "wharf_task_cpu_throttled_seconds_total", "wharf_task_memory_limit_bytes",
                            "wharf_task_memory_usage_bytes", "wharf_task_oom_kills_total"])
    }
}

/// One sample line of a text exposition, for tests and tools that read `/metrics`: the series
/// name (with `_bucket`/`_sum`/`_count` for histograms), its labels and value.
public struct ExpositionSample: Hashable, Sendable {
    /// The series name as written (`…_bucket`, `…_sum`, `…_count` for a histogram's parts).
    public var name: String
    /// Label values by name, unescaped.
    public var labels: [String: String]
    /// The sample's value (`+Inf`, `-Inf` and `NaN` included).
    public var value: Double

    /// Parses the sample lines of `text` (comment lines are skipped); nil when a line is malformed.
    public static func parse(_ text: String) -> [ExpositionSample]? {
        var samples: [ExpositionSample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let sample = parseLine(line) else { return nil }
            samples.append(sample)
        }
        return samples
    }

    /// The value of the series `name` whose labels include `labels`, summed over matching series;
    /// nil when none matches.
    public static func value(_ name: String, _ labels: [String: String] = [:], in samples: [ExpositionSample]) -> Double? {
        let matching = samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }

    private static func parseLine(_ line: Substring) -> ExpositionSample? {
        let utf8 = Array(line.utf8)
        var index = 0
        while index < utf8.count, utf8[index] != UInt8(ascii: "{"), utf8[index] != UInt8(ascii: " ") { index += 1 }
        guard index > 0, index < utf8.count else { return nil }
        let name = String(decoding: utf8[0..<index], as: UTF8.self)
        var labels: [String: String] = [:]
        if utf8[index] == UInt8(ascii: "{") {
            index += 1
            while index < utf8.count, utf8[index] != UInt8(ascii: "}") {
                let nameStart = index
                while index < utf8.count, utf8[index] != UInt8(ascii: "=") { index += 1 }
                guard index + 1 < utf8.count, utf8[index + 1] == UInt8(ascii: "\"") else { return nil }
                let label = String(decoding: utf8[nameStart..<index], as: UTF8.self)
                index += 2
                var value: [UInt8] = []
                while index < utf8.count, utf8[index] != UInt8(ascii: "\"") {
                    if utf8[index] == UInt8(ascii: "\\"), index + 1 < utf8.count {
                        index += 1
                        value.append(utf8[index] == UInt8(ascii: "n") ? UInt8(ascii: "\n") : utf8[index])
                    } else {
                        value.append(utf8[index])
                    }
                    index += 1
                }
                guard index < utf8.count else { return nil }
                labels[label] = String(decoding: value, as: UTF8.self)
                index += 1
                if index < utf8.count, utf8[index] == UInt8(ascii: ",") { index += 1 }
            }
            guard index < utf8.count else { return nil }
            index += 1
        }
        let rest = String(decoding: utf8[index...], as: UTF8.self).split(separator: " ")
        guard let first = rest.first else { return nil }
        let value: Double? = switch first {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(first)
        }
        guard let value else { return nil }
        return ExpositionSample(name: name, labels: labels, value: value)
    }
}

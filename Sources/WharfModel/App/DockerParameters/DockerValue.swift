import Foundation

/// Why a `docker.parameters` value is not one `docker run` (or the Engine behind it) would take.
public struct DockerValueError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Parsers of `docker run` option values, written after the Docker CLI's own (`opts`, `go-units`,
/// `go-connections/nat`, `volumespec`): the model checks values with them at submission, and the
/// Docker runtime turns the same parsed values into the Engine's create request.
public enum DockerValue {
    // MARK: - Scalars

    /// `strconv.ParseBool`, which the CLI's boolean flags use: `1 t T TRUE true True 0 f F FALSE false False`.
    public static func bool(_ text: String) throws(DockerValueError) -> Bool {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: throw DockerValueError("'\(text)' is not a boolean (true or false)")
        }
    }

    /// A decimal integer with an optional sign, within `range`.
    public static func integer(_ text: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) throws(DockerValueError) -> Int64 {
        guard let value = Int64(text) else { throw DockerValueError("'\(text)' is not an integer") }
        guard range.contains(value) else {
            throw DockerValueError("\(value) is out of range: expected \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Bytes of a size as `go-units.RAMInBytes` reads it (`512m`, `1.5g`, `64 MiB`, `1024`, `10kb`):
    /// binary multiples; a negative size is refused.
    public static func bytes(_ text: String) throws(DockerValueError) -> Int64 {
        let invalid = DockerValueError("'\(text)' is not a size (a number with an optional unit b, k, m, g, t or p, e.g. 512m)")
        let chars = Array(text)
        guard let sep = chars.lastIndex(where: { $0.isASCII && ($0.isNumber || $0 == "." || $0 == " ") }) else { throw invalid }
        let number = chars[sep] == " " ? String(chars[..<sep]) : String(chars[...sep])
        var suffix = String(chars[(sep + 1)...]).lowercased()
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              number.filter({ $0 == "." }).count <= 1, number.contains(where: \.isNumber),
              var size = Double(number) else { throw invalid }
        if !suffix.isEmpty {
            guard suffix.count <= 3 else { throw invalid }
            let units: [Character] = ["k", "m", "g", "t", "p"]
            if suffix.first == "b" {
                guard suffix.count == 1 else { throw invalid }
            } else if let power = units.firstIndex(of: suffix.removeFirst()) {
                guard suffix.isEmpty || suffix == "b" || suffix == "ib" else { throw invalid }
                size *= pow(1024, Double(power + 1))
            } else {
                throw invalid
            }
        }
        guard size < 9.2e18 else { throw DockerValueError("'\(text)' is too large") }
        return Int64(size)
    }

    /// `--memory-swap`: a size, or `-1` for unlimited swap.
    public static func swapBytes(_ text: String) throws(DockerValueError) -> Int64 {
        text == "-1" ? -1 : try bytes(text)
    }

    /// `--cpus`: a decimal number of CPUs, as nano CPUs (`1.5` → 1 500 000 000); more than nine
    /// decimals is "too precise", as for the CLI.
    public static func nanoCPUs(_ text: String) throws(DockerValueError) -> Int64 {
        let invalid = DockerValueError("'\(text)' is not a number of CPUs such as 0.5 or 2")
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative || body.hasPrefix("+") { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.contains(where: { !$0.isEmpty }),
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { throw invalid }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 9 || fraction.dropFirst(9).allSatisfy({ $0 == "0" }) else {
            throw DockerValueError("'\(text)' is too precise: at most 9 decimals")
        }
        let nanos = String(fraction.prefix(9)).padding(toLength: 9, withPad: "0", startingAt: 0)
        guard let whole = Int64(parts[0].isEmpty ? "0" : String(parts[0])), let part = Int64(nanos),
              whole < 9_000_000_000 else { throw invalid }
        let value = whole * 1_000_000_000 + part
        return negative ? -value : value
    }

    /// A Go duration (`time.ParseDuration`): `90s`, `1m30s`, `1.5h`, `500ms`, `0`; in nanoseconds.
    public static func duration(_ text: String) throws(DockerValueError) -> Int64 {
        let invalid = DockerValueError("'\(text)' is not a duration such as 30s, 1m30s or 500ms")
        var rest = Substring(text)
        var sign: Double = 1
        if let first = rest.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { throw invalid }
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10), ("h", 3.6e12)]
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1, let value = Double(number) else { throw invalid }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let scale = units.first(where: { $0.0 == unit })?.1 else { throw invalid }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        guard total < 9.2e18 else { throw DockerValueError("'\(text)' is too long a duration") }
        return Int64(sign * total)
    }

    /// `key=value` with a non-empty key (`--storage-opt`, `--annotation`, `--log-opt`).
    public static func keyValue(_ text: String) throws(DockerValueError) -> (key: String, value: String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw DockerValueError("'\(text)' must be key=value with a non-empty key")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// `key[=value]` with a non-empty key (`--log-opt`, `--annotation`: the CLI reads `key` alone as
    /// an empty value).
    public static func option(_ text: String) throws(DockerValueError) -> (key: String, value: String) {
        let (key, value) = split(text)
        guard !key.isEmpty else { throw DockerValueError("'\(text)' must be key=value with a non-empty key") }
        return (key, value ?? "")
    }

    /// `a=b` → (`a`, `b`); `a` → (`a`, nil).
    public static func split(_ text: String) -> (key: String, value: String?) {
        guard let equals = text.firstIndex(of: "=") else { return (text, nil) }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// `--cpuset-cpus`/`--cpuset-mems`: `0-3,5` (empty: no restriction).
    public static func cpuList(_ text: String) throws(DockerValueError) -> String {
        guard !text.isEmpty else { return text }
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                  let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low <= high else {
                throw DockerValueError("'\(text)' is not a list of CPUs or memory nodes such as 0-3,5")
            }
        }
        return text
    }

    /// The fields of one CSV record (`encoding/csv`, which the CLI's `--mount`, `--gpus` and long
    /// `--network` syntax use): commas separate, double quotes protect commas, `""` is a quote.
    public static func csvFields(_ text: String) throws(DockerValueError) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false, wasQuoted = false
        var index = text.startIndex
        while index < text.endIndex {
            let char = text[index]
            index = text.index(after: index)
            if quoted {
                if char == "\"" {
                    if index < text.endIndex, text[index] == "\"" {
                        field.append("\"")
                        index = text.index(after: index)
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(char)
                }
            } else if char == "," {
                fields.append(field)
                field = ""
                wasQuoted = false
            } else if char == "\"" && field.isEmpty && !wasQuoted {
                quoted = true
                wasQuoted = true
            } else if char == "\"" {
                throw DockerValueError("'\(text)': bare \" in a non-quoted field")
            } else {
                field.append(char)
            }
        }
        guard !quoted else { throw DockerValueError("'\(text)': a quoted field is not closed") }
        fields.append(field)
        return fields
    }
}

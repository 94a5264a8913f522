import Foundation

/// Accumulates validation failures with wix-accord's wording (`got -3, expected 0 or more`), so that
/// every rule is checked and all violations are reported together.
struct FailureCollector {
    private(set) var failures: [ValidationFailure] = []

    mutating func add(_ path: String, _ message: String) {
        failures.append(ValidationFailure(path: path, message))
    }

    mutating func add(contentsOf other: [ValidationFailure], under prefix: String = "") {
        failures += other.map { $0.prefixed(with: prefix) }
    }

    /// `value should be >= bound`.
    mutating func atLeast(_ value: Int, _ bound: Int, _ path: String) {
        if value < bound { add(path, "got \(value), expected \(bound) or more") }
    }

    mutating func atLeast(_ value: Double, _ bound: Double, _ path: String) {
        if value < bound { add(path, "got \(value), expected \(bound) or more") }
    }

    /// `value should be < bound`.
    mutating func lessThan(_ value: Int, _ bound: Int, _ path: String) {
        if value >= bound { add(path, "got \(value), expected less than \(bound)") }
    }

    /// `value should be <= bound`.
    mutating func atMost(_ value: Int, _ bound: Int, _ path: String) {
        if value > bound { add(path, "got \(value), expected \(bound) or less") }
    }

    mutating func atMost(_ value: Double, _ bound: Double, _ path: String) {
        if value > bound { add(path, "got \(value), expected \(bound) or less") }
    }

    /// `value is between(lower, upper)` (inclusive).
    mutating func between(_ value: Int, _ lower: Int, _ upper: Int, _ path: String) {
        if value < lower || value > upper { add(path, "got \(value), expected between \(lower) and \(upper)") }
    }

    /// `value should be == expected`.
    mutating func equal(_ value: Double, _ expected: Double, _ path: String) {
        if value != expected { add(path, "got \(value), expected \(expected)") }
    }

    /// `value should matchRegexFully(pattern)`.
    mutating func fullyMatches(_ value: String, _ regex: Regex<AnyRegexOutput>, pattern: String, _ path: String) {
        if (try? regex.wholeMatch(in: value)) == nil {
            add(path, "must fully match regular expression '\(pattern)'")
        }
    }
}

/// Regular expressions Marathon validates with, compiled once.
///
/// `nonisolated(unsafe)`: `Regex` is an immutable value that is never mutated after initialisation;
/// matching only reads it, so sharing it between threads is safe although it is not `Sendable`.
enum ValidationPatterns {
    static let portNamePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    nonisolated(unsafe) static let portName = try! Regex(portNamePattern)
    static let executorPattern = "^(//cmd)|(/?[^/]+(/[^/]+)*)|$"
    nonisolated(unsafe) static let executor = try! Regex(executorPattern)
    /// IS constraint values: Mesos text or scalar.
    nonisolated(unsafe) static let isValue = try! Regex("^[a-zA-Z0-9_/.-]*$")
}

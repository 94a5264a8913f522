/// Scalar resources an instance asks for and an agent offers: CPU shares, memory and disk in MiB.
public struct Resources: Codable, Hashable, Sendable {
    public var cpus: Double
    public var mem: Double
    public var disk: Double

    public init(cpus: Double = 0, mem: Double = 0, disk: Double = 0) {
        self.cpus = cpus
        self.mem = mem
        self.disk = disk
    }

    public static let zero = Resources()

    /// Whether `other` fits inside `self` (with a small tolerance for floating-point sums).
    public func covers(_ other: Resources) -> Bool {
        other.cpus <= cpus + 1e-9 && other.mem <= mem + 1e-9 && other.disk <= disk + 1e-9
    }

    public static func + (a: Resources, b: Resources) -> Resources {
        Resources(cpus: a.cpus + b.cpus, mem: a.mem + b.mem, disk: a.disk + b.disk)
    }

    public static func - (a: Resources, b: Resources) -> Resources {
        Resources(cpus: a.cpus - b.cpus, mem: a.mem - b.mem, disk: a.disk - b.disk)
    }

    public static func += (a: inout Resources, b: Resources) { a = a + b }
    public static func -= (a: inout Resources, b: Resources) { a = a - b }
}

/// An inclusive range of TCP/UDP ports (`10000-20000`).
public struct PortRange: Codable, Hashable, Sendable, CustomStringConvertible {
    public var begin: Int
    public var end: Int

    public init(begin: Int, end: Int) {
        self.begin = begin
        self.end = end
    }

    /// Parses `"10000-20000"` or a single port `"8080"`; nil when malformed or out of 1...65535.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              let b = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let e = Int(parts[parts.count - 1].trimmingCharacters(in: .whitespaces)),
              b >= 1, e <= 65535, b <= e
        else { return nil }
        self.begin = b
        self.end = e
    }

    public var count: Int { end - begin + 1 }

    public func contains(_ port: Int) -> Bool { port >= begin && port <= end }

    public var description: String { "\(begin)-\(end)" }
}

import Foundation

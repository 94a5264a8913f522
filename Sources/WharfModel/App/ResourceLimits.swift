import Foundation

/// `resourceLimits`: how far a task may burst beyond the `cpus`/`mem` it reserves. Validated and
/// kept as Marathon does; Wharf's runtimes keep limiting tasks to `cpus`/`mem`.
public struct ResourceLimits: Hashable, Sendable {
    public var cpus: ResourceLimit?
    public var mem: ResourceLimit?

    public init(cpus: ResourceLimit? = nil, mem: ResourceLimit? = nil) {
        self.cpus = cpus
        self.mem = mem
    }
}

/// One limit: a number, `"unlimited"`, or another string (which validation refuses, as Marathon's
/// reader accepts any string there).
public enum ResourceLimit: Hashable, Sendable {
    case number(Double)
    case unlimited
    case invalid(String)
}

/// `executorResources`: what Marathon reserves for a task's executor. Kept so that definitions
/// round-trip; Wharf has no executors.
public struct ExecutorResources: Hashable, Sendable {
    public var cpus: Double
    public var mem: Double
    public var disk: Double

    public init(cpus: Double = 0.1, mem: Double = 32, disk: Double = 10) {
        self.cpus = cpus
        self.mem = mem
        self.disk = disk
    }
}

extension ResourceLimits: Codable {
    private enum CodingKeys: String, CodingKey { case cpus, mem }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(cpus: try c.decodeIfPresent(ResourceLimit.self, forKey: .cpus),
                  mem: try c.decodeIfPresent(ResourceLimit.self, forKey: .mem))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(cpus, forKey: .cpus)
        try c.encodeIfPresent(mem, forKey: .mem)
    }
}

extension ResourceLimit: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            self = text == "unlimited" ? .unlimited : .invalid(text)
        } else {
            self = .number(try c.decode(Double.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let value): try c.encode(value)
        case .unlimited: try c.encode("unlimited")
        case .invalid(let text): try c.encode(text)
        }
    }
}

extension ExecutorResources: Codable {
    private enum CodingKeys: String, CodingKey { case cpus, mem, disk }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(cpus: try c.value(.cpus, default: 0.1), mem: try c.value(.mem, default: 32), disk: try c.value(.disk, default: 10))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cpus, forKey: .cpus)
        try c.encode(mem, forKey: .mem)
        try c.encode(disk, forKey: .disk)
    }
}

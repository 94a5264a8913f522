import Foundation

/// What a task uses, read from its cgroups (v1 or v2) or the Docker Engine's stats; nil where the
/// source does not tell.
struct TaskUsage: Hashable, Sendable {
    /// CPU time, user and system, in nanoseconds.
    var cpuNanoseconds: UInt64?
    /// Time throttled by a CPU quota, in nanoseconds.
    var throttledNanoseconds: UInt64?
    var memoryBytes: UInt64?
    /// The memory limit; nil when unlimited.
    var memoryLimitBytes: UInt64?
    /// Processes the OOM killer killed in the task's memory cgroup.
    var oomKills: UInt64?

    /// A v1 limit at or above this is the kernel's "unlimited" (page-rounded `LONG_MAX`).
    static let unlimitedV1 = UInt64(1) << 62

    /// Reads the usage files in the task's cgroup `directories` (one per v1 hierarchy, or the one
    /// v2 directory). Files a hierarchy lacks are skipped; a directory already removed gives nothing.
    static func read(cgroups directories: [String]) -> TaskUsage {
        var usage = TaskUsage()
        for directory in directories {
            usage.merge(files: { name in FileIO.read(directory + "/" + name) })
        }
        return usage
    }

    /// Takes what the files that `read` returns say (v2 and v1 names alike).
    mutating func merge(files read: (String) -> String?) {
        if let stat = read("cpu.stat").map(Self.keyValues) {
            // v2: microseconds; v1: only throttling, in nanoseconds.
            if let usec = stat["usage_usec"] { cpuNanoseconds = usec &* 1000 }
            if let usec = stat["throttled_usec"] { throttledNanoseconds = usec &* 1000 }
            if let nsec = stat["throttled_time"] { throttledNanoseconds = nsec }
        }
        if let total = read("cpuacct.usage").flatMap(Self.number) { cpuNanoseconds = total }
        if let current = read("memory.current").flatMap(Self.number) { memoryBytes = current }
        if let used = read("memory.usage_in_bytes").flatMap(Self.number) { memoryBytes = used }
        if let max = read("memory.max") {
            memoryLimitBytes = Self.number(max)
        }
        if let limit = read("memory.limit_in_bytes").flatMap(Self.number) {
            memoryLimitBytes = limit >= Self.unlimitedV1 ? nil : limit
        }
        for file in ["memory.events", "memory.oom_control"] {
            if let kills = read(file).map(Self.keyValues)?["oom_kill"] { oomKills = kills }
        }
    }

    /// `key value` lines (`cpu.stat`, `memory.events`, `memory.oom_control`) as numbers by key.
    static func keyValues(_ text: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }

    /// A file holding one number (`max` and anything else: nil).
    static func number(_ text: String) -> UInt64? {
        UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

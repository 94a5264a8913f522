import Glibc

/// The fields of `/proc/<pid>/stat` the agent needs to recognise its processes.
struct ProcStat: Hashable, Sendable {
    /// Process state letter (`R`, `S`, `Z` for a zombie, ...).
    var state: Character
    var processGroup: Int32
    var session: Int32
    /// Clock ticks since boot at which the process started (field 22).
    var startTime: UInt64

    /// Reads and parses `/proc/<pid>/stat`; nil when the process does not exist.
    static func read(pid: Int32) -> ProcStat? {
        guard let text = FileIO.read("/proc/\(pid)/stat") else { return nil }
        return parse(text)
    }

    /// Parses the text of a stat file. The command name (field 2) may contain spaces and
    /// parentheses, so fields are counted from its last closing parenthesis.
    static func parse(_ text: String) -> ProcStat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state); field N is fields[N - 3].
        guard fields.count > 19, let state = fields[0].first,
              let group = Int32(fields[2]), let session = Int32(fields[3]), let start = UInt64(fields[19])
        else { return nil }
        return ProcStat(state: state, processGroup: group, session: session, startTime: start)
    }

    /// Whether `pid` is a live (non-zombie) process that started at `startTime`.
    static func isAlive(pid: Int32, startTime: UInt64?) -> Bool {
        guard let stat = read(pid: pid), stat.state != "Z" else { return false }
        return startTime == nil || stat.startTime == startTime
    }
}

import Glibc

/// When a stream's bytes were written, at one-second granularity, for `since=` reads: `NAME.times`
/// next to the stream's files holds one `<unix millis> <offset>` line per second in which the task
/// wrote (the first write of that second, and the offset it started at).
///
/// The file stays small: beyond ``compactBytes`` it is rewritten without the marks of bytes no
/// longer kept, and with every other mark when that is not enough (older marks get coarser).
enum LogTimes {
    static let compactBytes = 64 * 1024

    static func path(_ directory: String, _ name: String) -> String {
        "\(directory)/\(name).times"
    }

    /// The marks of stream `name`, oldest first; empty when there are none (or no file).
    static func marks(directory: String, name: String) -> [(millis: Int64, offset: Int64)] {
        guard let text = FileIO.read(path(directory, name)) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let millis = Int64(parts[0]), let offset = Int64(parts[1]) else { return nil }
            return (millis, offset)
        }
    }

    /// The offset from which every byte written at or after `millis` is found: the offset of the
    /// last mark before that time (bytes from up to a second earlier may come too), 0 when no mark
    /// is that old, the end when nothing was written since.
    static func offset(since millis: Int64, marks: [(millis: Int64, offset: Int64)], end: Int64) -> Int64 {
        guard let firstAfter = marks.firstIndex(where: { $0.millis >= millis }) else {
            // Nothing marked at or after the time: output of the last marked second may still be.
            return marks.last.map { $0.millis + 1000 > millis ? $0.offset : end } ?? 0
        }
        return firstAfter == 0 ? 0 : marks[firstAfter - 1].offset
    }

    /// The marks kept by a compaction: those of bytes still kept (from `oldest` on, and the one
    /// just before it, which covers them), thinned to every other one (the oldest and the newest
    /// kept) until their text is under half of ``compactBytes``.
    static func compacted(_ marks: [(millis: Int64, offset: Int64)], oldest: Int64) -> [(millis: Int64, offset: Int64)] {
        let firstKept = marks.lastIndex { $0.offset <= oldest } ?? 0
        var kept = Array(marks[firstKept...])
        while kept.count > 2, text(kept).utf8.count > compactBytes / 2 {
            let last = kept.count - 1
            kept = kept.enumerated().filter { $0.offset == 0 || ($0.offset - last) % 2 == 0 }.map(\.element)
        }
        return kept
    }

    static func text(_ marks: [(millis: Int64, offset: Int64)]) -> String {
        marks.map { "\($0.millis) \($0.offset)\n" }.joined()
    }

    /// Milliseconds since the epoch from the coarse clock (a vDSO read, no system call).
    static func nowMillis() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}

/// Appends the marks of one stream as it is written (owned by its ``LogSink``).
final class LogTimeMarker {
    private let directory: String
    private let name: String
    private var fd: Int32 = -1
    private var lastMark: Int64 = 0
    private var size = 0

    init(directory: String, name: String) {
        self.directory = directory
        self.name = name
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Records that bytes are written from `offset` on now, unless a mark was made within the last
    /// second. Failures are ignored: `since=` reads then start earlier, nothing is lost.
    func wrote(at offset: Int64, oldestKept: () -> Int64) {
        let now = LogTimes.nowMillis()
        guard now - lastMark >= 1000 else { return }
        lastMark = now
        if fd < 0 {
            fd = open(LogTimes.path(directory, name), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return }
            var info = stat()
            if fstat(fd, &info) == 0 { size = Int(info.st_size) }
        }
        let line = Array("\(now) \(offset)\n".utf8)
        let written = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written > 0 { size += written }
        if size > LogTimes.compactBytes { compact(oldest: oldestKept()) }
    }

    private func compact(oldest: Int64) {
        let kept = LogTimes.compacted(LogTimes.marks(directory: directory, name: name), oldest: oldest)
        let text = LogTimes.text(kept)
        guard (try? FileIO.writeAtomically(Array(text.utf8), to: LogTimes.path(directory, name))) != nil else { return }
        close(fd)
        fd = -1
        size = text.utf8.count
    }
}

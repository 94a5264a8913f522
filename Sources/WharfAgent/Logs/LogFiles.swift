import Glibc

/// How a task's output stream is kept on disk: at most `maxFiles` files of at most `maxFileBytes`
/// each (the active one included), as `--log-max-size` × `--log-max-files`.
public struct LogRotation: Hashable, Sendable {
    public var maxFileBytes: Int
    public var maxFiles: Int

    /// 10 MB × 5, as Docker's json-file driver is usually configured and Nomad's default.
    public static let standard = LogRotation(maxFileBytes: 10_000_000, maxFiles: 5)

    public init(maxFileBytes: Int, maxFiles: Int) {
        self.maxFileBytes = max(1, maxFileBytes)
        self.maxFiles = max(1, maxFiles)
    }
}

/// What happens to tasks' output besides being kept in their sandboxes (`wharf dev` and `wharf agent`
/// flags `--log-max-size`, `--log-max-files`, `--syslog`).
public struct TaskOutputSettings: Hashable, Sendable {
    /// How each stream's files rotate.
    public var rotation: LogRotation
    /// Where every line is also sent; nil: nowhere.
    public var syslog: SyslogTarget?
    /// How long an ended task's sandbox (and output) is kept after it was last written (Mesos'
    /// `--gc_delay`; `--sandbox-retention`). Default one day.
    public var sandboxRetentionSeconds: Double
    /// Ended tasks' sandboxes kept per app at most, newest first (`--sandboxes-per-app`). Default 10.
    public var sandboxesPerApp: Int

    public init(rotation: LogRotation = .standard, syslog: SyslogTarget? = nil, sandboxRetentionSeconds: Double = 86_400,
                sandboxesPerApp: Int = 10) {
        self.rotation = rotation
        self.syslog = syslog
        self.sandboxRetentionSeconds = sandboxRetentionSeconds
        self.sandboxesPerApp = sandboxesPerApp
    }
}

/// The files of one output stream (`stdout` or `stderr`) of one task, in its sandbox: `NAME` is the
/// active file, `NAME.1` … `NAME.<maxFiles-1>` the older ones, newest first (the layout of Mesos'
/// logrotate container logger, which `tail -F NAME` follows).
///
/// Offsets are logical: bytes the stream produced since the task started, continuous across
/// rotations, so a reader that resumes from an offset neither repeats nor skips bytes that are
/// still kept. The offset at which the active file starts is recorded in `NAME.offset` together
/// with the active file's inode; a rotation interrupted by a crash (the active file renamed, the
/// record not yet rewritten) is recognised at the next open by that inode.
enum LogFiles {
    /// Where the stream's bytes are now: each kept file with the logical offset of its first byte,
    /// oldest first.
    struct Layout: Equatable {
        struct File: Equatable {
            var path: String
            /// Which file was found under `path` (a rotation renames files under a reader).
            var inode: UInt64
            var start: Int64
            var size: Int64
            var end: Int64 { start + size }
        }

        var files: [File]
        /// The offset of the oldest byte still kept.
        var start: Int64 { files.first?.start ?? end }
        /// The offset the next byte written will have.
        var end: Int64
    }

    /// The files of stream `name` in `directory` as they are now. Missing files are an empty stream.
    ///
    /// A rotation renames files from the oldest down while this lists them from the newest up, so a
    /// listing taken meanwhile can meet one file under two names: such a listing is taken again.
    static func layout(directory: String, name: String) -> Layout {
        var layout = listing(directory: directory, name: name)
        for _ in 0..<8 where Set(layout.files.map(\.inode)).count != layout.files.count {
            layout = listing(directory: directory, name: name)
        }
        return layout
    }

    private static func listing(directory: String, name: String) -> Layout {
        let active = path(directory, name, generation: 0)
        let (base, activeSize, activeInode) = activeStart(directory: directory, name: name)
        var files = [Layout.File(path: active, inode: activeInode, start: base, size: activeSize)]
        var start = base
        var generation = 1
        while let info = status(path(directory, name, generation: generation)) {
            start -= Int64(info.st_size)
            files.insert(Layout.File(path: path(directory, name, generation: generation), inode: UInt64(info.st_ino),
                                     start: start, size: Int64(info.st_size)), at: 0)
            generation += 1
        }
        return Layout(files: files, end: base + activeSize)
    }

    /// Up to `limit` bytes from logical `offset` on (clamped to what is kept: a reader that fell
    /// behind the oldest kept byte sees `start` > `offset`), with the offset they start at and the
    /// offset after them. Reads across rotated files; a rotation meanwhile (a file under a name is
    /// not the one listed, or the active file's start moved) makes it read again, so bytes are never
    /// taken from a file that was renamed under it. `kept` is the range of offsets kept when it read.
    static func read(directory: String, name: String, from offset: Int64, limit: Int)
        -> (bytes: [UInt8], start: Int64, next: Int64, kept: Range<Int64>) {
        var layout = Self.layout(directory: directory, name: name)
        for attempt in 0..<8 {
            if attempt > 0 { layout = Self.layout(directory: directory, name: name) }
            let start = min(max(offset, layout.start), layout.end)
            var bytes: [UInt8] = []
            var position = start
            var complete = true
            for file in layout.files where file.end > position && bytes.count < limit {
                let wanted = Int(min(Int64(limit - bytes.count), file.end - position))
                guard let chunk = readBytes(file, at: position - file.start, count: wanted), chunk.count == wanted else {
                    complete = false
                    break
                }
                bytes += chunk
                position += Int64(wanted)
            }
            if complete, activeStart(directory: directory, name: name).base == layout.files.last?.start {
                return (bytes, start, position, layout.start..<max(layout.start, layout.end))
            }
        }
        return ([], offset, offset, layout.start..<max(layout.start, layout.end))
    }

    /// The offset from which the stream's last `lines` lines start (`tail=N`): after the
    /// `lines`-th newline from the end, not counting one that ends the stream; the oldest kept byte
    /// when fewer lines are kept. Scans backwards in blocks of `block` bytes.
    static func tailStart(directory: String, name: String, lines: Int, block: Int = 64 * 1024) -> Int64 {
        let layout = layout(directory: directory, name: name)
        guard lines > 0 else { return layout.end }
        var end = layout.end
        var newlines = 0
        var skipFinal = true
        while end > layout.start {
            let from = max(layout.start, end - Int64(block))
            let chunk = read(directory: directory, name: name, from: from, limit: Int(end - from))
            guard chunk.start == from, chunk.next == end else { return chunk.start }
            for index in chunk.bytes.indices.reversed() where chunk.bytes[index] == UInt8(ascii: "\n") {
                if skipFinal && from + Int64(index) == layout.end - 1 { continue }
                newlines += 1
                if newlines == lines { return from + Int64(index) + 1 }
            }
            skipFinal = false
            end = from
        }
        return layout.start
    }

    /// `NAME`, `NAME.1`, … in `directory`.
    static func path(_ directory: String, _ name: String, generation: Int) -> String {
        generation == 0 ? "\(directory)/\(name)" : "\(directory)/\(name).\(generation)"
    }

    /// The logical offset where the active file starts, the active file's size and its inode (0
    /// when it does not exist). The record is read before and after looking at the files and the
    /// look is repeated if a rotation rewrote it meanwhile: with the record unchanged, a file under
    /// `NAME` that is not the recorded one means a rotation between renaming and recording (or
    /// a crash there), and the recorded file is then `NAME.1`.
    static func activeStart(directory: String, name: String) -> (base: Int64, activeSize: Int64, inode: UInt64) {
        let active = path(directory, name, generation: 0)
        var result: (base: Int64, activeSize: Int64, inode: UInt64) = (0, 0, 0)
        for _ in 0..<8 {
            let before = FileIO.read(active + ".offset")
            let activeStat = status(active)
            let previous = status(path(directory, name, generation: 1))
            let after = FileIO.read(active + ".offset")
            let activeSize = activeStat.map { Int64($0.st_size) } ?? 0
            let activeInode = activeStat.map { UInt64($0.st_ino) } ?? 0
            guard let record = before.flatMap(parseRecord) else { return (0, activeSize, activeInode) }
            if activeInode == record.inode {
                result = (record.base, activeSize, activeInode)
            } else if let previous, UInt64(previous.st_ino) == record.inode {
                result = (record.base + Int64(previous.st_size), activeSize, activeInode)
            } else {
                result = (record.base, activeSize, activeInode)
            }
            if before == after { break }
        }
        return result
    }

    static func record(base: Int64, inode: UInt64) -> [UInt8] {
        Array("\(base) \(inode)\n".utf8)
    }

    private static func parseRecord(_ text: String) -> (base: Int64, inode: UInt64)? {
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let base = Int64(parts[0]), base >= 0, let inode = UInt64(parts[1]) else { return nil }
        return (base, inode)
    }

    static func status(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    /// `count` bytes of `file` from `offset`, or nil when the file under its path is another one now.
    private static func readBytes(_ file: Layout.File, at offset: Int64, count: Int) -> [UInt8]? {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, UInt64(info.st_ino) == file.inode else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        return Array(bytes.prefix(done))
    }
}

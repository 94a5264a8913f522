import Glibc

/// Appends one output stream of a task to its `LogFiles`, rotating when the active file is full:
/// `NAME.k` becomes `NAME.k+1`, `NAME` becomes `NAME.1`, a new `NAME` starts, and what is beyond
/// `maxFiles` goes. Logical offsets continue across rotations and across a new writer on the same
/// files (an agent restarted after `kill -9` picks up where the stream was).
///
/// Owned by the one task that pumps the stream: not for concurrent use. Readers use
/// `LogFiles.read`, which copes with rotations under it.
final class LogWriter {
    let directory: String
    let name: String
    let rotation: LogRotation
    private var fd: Int32 = -1
    /// Logical offset of the active file's first byte.
    private(set) var base: Int64
    private(set) var activeSize: Int64

    /// The offset the next byte written will have.
    var end: Int64 { base + activeSize }

    /// Opens (creating if needed) the stream `name` in `directory`, continuing what is there.
    init(directory: String, name: String, rotation: LogRotation) throws(FileIOError) {
        self.directory = directory
        self.name = name
        self.rotation = rotation
        (base, activeSize, _) = LogFiles.activeStart(directory: directory, name: name)
        try openActive()
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Appends `bytes` (any bytes: output without newlines or binary output is kept as it is),
    /// rotating as often as needed. Throws on a failed write (a full disk): what was written before
    /// stays, and the next call tries again.
    func append(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        var done = 0
        while done < bytes.count {
            if activeSize >= Int64(rotation.maxFileBytes) { try rotate() }
            let room = rotation.maxFileBytes - Int(activeSize)
            let n = Glibc.write(fd, bytes.baseAddress! + done, min(room, bytes.count - done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError(step: "write \(LogFiles.path(directory, name, generation: 0))", errno: errno)
            }
            done += n
            activeSize += Int64(n)
        }
    }

    /// Appends `bytes`; see `append(_:)` for raw buffers.
    func append(_ bytes: [UInt8]) throws(FileIOError) {
        var failure: FileIOError?
        bytes.withUnsafeBytes { raw in
            do throws(FileIOError) { try append(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Starts a new active file. The order keeps the offset record right after a crash at any
    /// step: until the new record is written it names the renamed file (`LogFiles.activeStart`
    /// recognises it as `NAME.1`), and generations beyond `maxFiles` go only afterwards.
    private func rotate() throws(FileIOError) {
        close(fd)
        fd = -1
        for generation in stride(from: rotation.maxFiles - 1, through: 1, by: -1) {
            let from = LogFiles.path(directory, name, generation: generation)
            if rename(from, LogFiles.path(directory, name, generation: generation + 1)) != 0 && errno != ENOENT {
                throw FileIOError(step: "rename \(from)", errno: errno)
            }
        }
        let active = LogFiles.path(directory, name, generation: 0)
        if rename(active, LogFiles.path(directory, name, generation: 1)) != 0 && errno != ENOENT {
            throw FileIOError(step: "rename \(active)", errno: errno)
        }
        base += activeSize
        activeSize = 0
        try openActive()
        try FileIO.remove(LogFiles.path(directory, name, generation: rotation.maxFiles))
    }

    /// Opens the active file for appending and records where it starts.
    private func openActive() throws(FileIOError) {
        let active = LogFiles.path(directory, name, generation: 0)
        fd = open(active, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIOError(step: "open \(active)", errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileIOError(step: "stat \(active)", errno: errno) }
        try FileIO.writeAtomically(LogFiles.record(base: base, inode: UInt64(info.st_ino)), to: active + ".offset")
    }
}

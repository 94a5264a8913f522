import Glibc

/// Small POSIX file helpers for `/proc`, cgroup files and durable writes, where Foundation's
/// buffered APIs either hide `errno` or mis-read pseudo-files that report size 0.
enum FileIO {
    /// Reads a small (pseudo-)file completely; nil when it cannot be opened or read.
    static func read(_ path: String) -> String? {
        try? readText(path)
    }

    /// Reads a file completely; throws with `errno` when it cannot be opened or read.
    static func readText(_ path: String) throws(FileIOError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError(step: "open \(path)", errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError(step: "read \(path)", errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Creates `path`, which must not exist yet, with `text` in it (`docker run --cidfile`).
    static func createNew(_ text: String, at path: String) throws(FileIOError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIOError(step: "create \(path)", errno: errno) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let code = errno
        close(fd)
        guard n == bytes.count else { throw FileIOError(step: "write \(path)", errno: n < 0 ? code : EIO) }
    }

    /// Writes `text` to an existing file (a cgroup control file) in one `write`; returns 0 or `errno`.
    @discardableResult
    static func write(_ text: String, to path: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        return n == bytes.count ? 0 : (n < 0 ? errno : EIO)
    }

    /// Replaces `path` with `data` atomically: write a temporary file, rename it over `path`. Readers
    /// (and a process started after this one crashed) see the old or the new content, never a mix.
    /// No fsync: the result survives the crash of this process, not of the machine (see
    /// `TaskRecordStore` for why that is the right guarantee there). Throws ``FileIOError``.
    static func writeAtomically(_ data: [UInt8], to path: String) throws(FileIOError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIOError(step: "open \(temporary)", errno: errno) }
        var written = 0
        while written < data.count {
            let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw FileIOError(step: "write \(temporary)", errno: code)
            }
            written += n
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw FileIOError(step: "rename to \(path)", errno: errno) }
    }

    /// Removes `path`, ignoring a missing file.
    static func remove(_ path: String) throws(FileIOError) {
        if unlink(path) != 0 && errno != ENOENT { throw FileIOError(step: "unlink \(path)", errno: errno) }
    }

    /// Creates `path` and its missing parents with mode 0755; returns 0 or `errno`.
    static func makeDirectories(_ path: String) -> Int32 {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST { return errno }
        }
        return 0
    }

    /// Entries of a directory except `.` and `..`; empty when it cannot be read.
    static func listDirectory(_ path: String) -> [String] {
        (try? entries(of: path)) ?? []
    }

    /// Entries of a directory except `.` and `..`; empty when it does not exist. Throws when it
    /// exists but cannot be read — a caller that must not mistake "unreadable" for "empty".
    static func entries(of path: String) throws(FileIOError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw FileIOError(step: "opendir \(path)", errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

}

/// A failed file operation: which step and the `errno` it returned.
struct FileIOError: Error, CustomStringConvertible {
    var step: String
    var errno: Int32
    var description: String { "\(step): \(ErrorText.strerror(errno))" }
}

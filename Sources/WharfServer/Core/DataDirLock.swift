import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a data dir (`<dataDir>/wharf.lock`, holding the owner's pid), so that two
/// `wharf dev`, `wharf server` or `wharf agent` processes never share a state database or adopt
/// each other's tasks. The kernel
/// drops the lock when the process ends, however it ends; tasks never inherit it (close-on-exec).
final class DataDirLock: Sendable {
    /// Why the lock was not taken.
    enum Failure: Error, CustomStringConvertible {
        /// Another process holds it; `owner` is the pid it wrote, when readable.
        case inUse(dataDir: String, owner: String?, role: String)
        /// The lock file cannot be opened.
        case cannotOpen(path: String, reason: String)

        var description: String {
            switch self {
            case let .inUse(dataDir, owner, role):
                let pid = owner.map { " (pid \($0))" } ?? ""
                guard role == "wharf dev" else {
                    return "the data dir \(dataDir) is in use by another wharf process\(pid): give this \(role) its own --data-dir, "
                        + "or stop the other first"
                }
                return "the data dir \(dataDir) is in use by another wharf dev\(pid): "
                    + "give this one its own --data-dir (and its own --api-port, --router-port and --dns-port), or stop the other first"
            case let .cannotOpen(path, reason):
                return "cannot open \(path): \(reason) (choose a writable --data-dir)"
            }
        }
    }

    private let descriptor: Int32

    /// Takes the lock on `dataDir` (which must exist), or throws `Failure.inUse` naming the holder's
    /// pid; `role` names the command taking it, in that message.
    init(dataDir: String, role: String = "wharf dev") throws(Failure) {
        let path = dataDir + "/wharf.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let owner = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw .inUse(dataDir: dataDir, owner: owner?.isEmpty == false ? owner : nil, role: role)
        }
        // The pid is only for the message a second wharf dev prints; the lock itself is the flock.
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }
}

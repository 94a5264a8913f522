import Glibc

/// Finds the processes that hold given sockets open, from the `socket:[inode]` links under
/// `/proc/<pid>/fd`. Costs a walk over every descriptor of every process, so it is used only after
/// a task ended early, never on a hot path.
enum SocketOwners {
    /// The inodes of the sockets this process holds (its edge router's listeners and connections,
    /// its DNS server's), from `/proc/self/fd`: cheap, only this process's descriptors.
    static func ownSocketInodes() -> Set<UInt64> {
        var inodes = Set<UInt64>()
        var buffer = [CChar](repeating: 0, count: 64)
        for fd in FileIO.listDirectory("/proc/self/fd") {
            let length = buffer.withUnsafeMutableBufferPointer { readlink("/proc/self/fd/\(fd)", $0.baseAddress!, $0.count - 1) }
            guard length > 8 else { continue }
            let target = buffer.withUnsafeBufferPointer { pointer in
                String(decoding: UnsafeRawBufferPointer(start: pointer.baseAddress, count: length), as: UTF8.self)
            }
            if let inode = socketInode(target) { inodes.insert(inode) }
        }
        return inodes
    }

    /// The inode of a descriptor link `socket:[inode]`; nil for anything else.
    static func socketInode(_ link: String) -> UInt64? {
        guard link.hasPrefix("socket:["), link.hasSuffix("]") else { return nil }
        return UInt64(link.dropFirst(8).dropLast())
    }

    /// The pids (each with its session id) holding any of `inodes`. Processes whose descriptors
    /// cannot be read (another user's, without privileges) are not listed.
    static func holders(of inodes: Set<UInt64>) -> [(pid: Int32, session: Int32)] {
        guard !inodes.isEmpty else { return [] }
        var found: [(pid: Int32, session: Int32)] = []
        var buffer = [CChar](repeating: 0, count: 64)
        for name in FileIO.listDirectory("/proc") {
            guard let pid = Int32(name) else { continue }
            let directory = "/proc/\(name)/fd"
            for fd in FileIO.listDirectory(directory) {
                let length = buffer.withUnsafeMutableBufferPointer { readlink("\(directory)/\(fd)", $0.baseAddress!, $0.count - 1) }
                guard length > 8 else { continue }
                let target = buffer.withUnsafeBufferPointer { pointer in
                    String(decoding: UnsafeRawBufferPointer(start: pointer.baseAddress, count: length), as: UTF8.self)
                }
                guard let inode = socketInode(target), inodes.contains(inode) else { continue }
                if let stat = ProcStat.read(pid: pid), stat.state != "Z" { found.append((pid, stat.session)) }
                break
            }
        }
        return found
    }
}

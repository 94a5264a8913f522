import WharfModel

/// Which host ports other processes hold: for the agent's `portsInUse` report, right before a task
/// is spawned, and right after a task ended early. Every function here blocks (it reads `/proc` or
/// binds sockets); call them on ``BlockingIO``.
enum HostPortCheck {
    /// The ports inside `ranges` that a socket of this host holds, plus those of `suspects` that a
    /// bind probe still finds in use (ports a probe found taken although no listed socket holds
    /// them, e.g. in another network namespace that shares the port space). Sockets whose inode is
    /// in `sparing` (this process's own: its router's service-port listeners) do not count.
    static func held(in ranges: [PortRange], suspects: Set<Int>, sockets: [HostSocket] = HostSocket.read(),
                     sparing: Set<UInt64> = []) -> Set<Int> {
        var held = Set<Int>()
        for socket in sockets where socket.isHeld && !sparing.contains(socket.inode)
            && ranges.contains(where: { $0.contains(socket.port) }) {
            held.insert(socket.port)
        }
        for port in suspects where !held.contains(port) {
            if PortProbe.Transport.allCases.contains(where: { PortProbe.isInUse(port: port, transport: $0) }) {
                held.insert(port)
            }
        }
        return held
    }

    /// The ports among `ports` that cannot be bound now for one of their transports (nothing of
    /// the task runs yet, so whoever holds them is someone else).
    static func heldBeforeSpawn(_ ports: [TaskPort]) -> [TaskPort] {
        ports.filter { port in port.transports.contains { PortProbe.isInUse(port: port.port, transport: $0) } }
    }

    /// The ports among `ports` that a process outside the ended task holds: a listed socket on the
    /// port whose holders are not all in the task's session `taskSession` (its leftovers may still be
    /// dying), or whose holder cannot be seen at all (another user's process, the kernel). With
    /// `taskSession` nil (a container) every holder is someone else.
    static func heldAfterExit(_ ports: [TaskPort], taskSession: Int32?, sockets: [HostSocket] = HostSocket.read()) -> [TaskPort] {
        ports.filter { port in
            let inodes = Set(sockets.filter { $0.isHeld && $0.port == port.port && port.transports.contains($0.transport) }.map(\.inode))
            guard !inodes.isEmpty else { return false }
            let holders = SocketOwners.holders(of: inodes)
            guard let taskSession else { return true }
            return holders.isEmpty || holders.contains { $0.session != taskSession }
        }
    }
}

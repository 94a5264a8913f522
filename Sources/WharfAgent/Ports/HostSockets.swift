/// The sockets of this host's network namespace as the kernel lists them in `/proc/net/tcp`,
/// `tcp6`, `udp` and `udp6`: enough to tell which ports something holds and which process holds them.
struct HostSocket: Hashable, Sendable {
    var transport: PortProbe.Transport
    /// The local port.
    var port: Int
    /// The kernel's socket state (`0A` listening, `06` TIME_WAIT, ...).
    var state: UInt8
    /// The socket's inode; 0 for sockets no process holds any more (TIME_WAIT, orphaned closes).
    var inode: UInt64

    /// Whether a process holds the socket, so that its port is not free for another server.
    var isHeld: Bool { inode != 0 }

    /// Every socket listed under `root` (default `/proc/net`); files that cannot be read add nothing.
    static func read(root: String = "/proc/net") -> [HostSocket] {
        var sockets: [HostSocket] = []
        for (file, transport) in [("tcp", PortProbe.Transport.tcp), ("tcp6", .tcp), ("udp", .udp), ("udp6", .udp)] {
            guard let text = FileIO.read("\(root)/\(file)") else { continue }
            sockets += parse(text, transport: transport)
        }
        return sockets
    }

    /// Parses one of those files: a header line, then one line per socket whose fields are
    /// `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...`
    /// with the local address as `HEXIP:HEXPORT`. Malformed lines are skipped.
    static func parse(_ text: String, transport: PortProbe.Transport) -> [HostSocket] {
        var sockets: [HostSocket] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, let colon = fields[1].lastIndex(of: ":"),
                  let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16),
                  let state = UInt8(fields[3], radix: 16), let inode = UInt64(fields[9])
            else { continue }
            sockets.append(HostSocket(transport: transport, port: port, state: state, inode: inode))
        }
        return sockets
    }
}

import Glibc

/// Tells whether a host port is taken by trying to bind it, the way a server would: with
/// `SO_REUSEADDR` (so connections in TIME_WAIT do not count) and no `SO_REUSEPORT`. The socket is
/// closed at once; nothing listens.
public enum PortProbe {
    /// A transport protocol of a port.
    public enum Transport: String, Codable, Hashable, Sendable, CaseIterable {
        case tcp, udp
    }

    /// Whether binding `port` for `transport` on `address` fails because the port is in use
    /// (EADDRINUSE). `address` nil means every address: the IPv6 wildcard in dual-stack mode, which
    /// collides with a holder on any IPv4 or IPv6 address, or the IPv4 wildcard where the host has
    /// no IPv6. Other failures (an address that is not on this host, a privileged port) are not
    /// "in use": a server could not bind there either way, and the probe cannot tell more.
    public static func isInUse(port: Int, transport: Transport, address: String? = nil) -> Bool {
        guard (1...65535).contains(port) else { return false }
        if let address {
            return bindFails(port: port, transport: transport, address: address) == EADDRINUSE
        }
        let result = bindFails(port: port, transport: transport, address: "::")
        if result == EAFNOSUPPORT || result == EADDRNOTAVAIL {
            return bindFails(port: port, transport: transport, address: "0.0.0.0") == EADDRINUSE
        }
        return result == EADDRINUSE
    }

    /// Binds and closes one socket; 0 when the bind worked, else the `errno` of the failing step
    /// (`EINVAL` when `address` is not an IP address literal).
    private static func bindFails(port: Int, transport: Transport, address: String) -> Int32 {
        var v4 = in_addr()
        var v6 = in6_addr()
        let family: Int32
        if inet_pton(AF_INET, address, &v4) == 1 {
            family = AF_INET
        } else if inet_pton(AF_INET6, address, &v6) == 1 {
            family = AF_INET6
        } else {
            return EINVAL
        }
        let type = transport == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
        let fd = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var on: Int32 = 1
        var off: Int32 = 0
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if family == AF_INET {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr = v4
            result = bind(fd, to: address)
        } else {
            // Dual-stack, so that the IPv6 wildcard also collides with IPv4 holders.
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            address.sin6_addr = v6
            result = bind(fd, to: address)
        }
        return result == 0 ? 0 : errno
    }

    /// `bind(2)` of `fd` to a `sockaddr_in` or `sockaddr_in6`.
    private static func bind<Address>(_ fd: Int32, to address: Address) -> Int32 {
        var address = address
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }
}

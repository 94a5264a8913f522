import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The address of this machine that the kernel would use to reach a server: an agent's default
/// `--advertise-ip`, the address on the server's side of the network.
enum LocalAddress {
    /// The local IP address of a route to `host` (resolved) and `port`, found by connecting a UDP
    /// socket (which sends nothing); nil when `host` does not resolve or no route leads there.
    static func toward(host: String, port: Int) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else { return nil }
        defer { freeaddrinfo(results) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            if let address = localAddress(family: info.pointee.ai_family, to: info.pointee.ai_addr, length: info.pointee.ai_addrlen) {
                return address
            }
            entry = info.pointee.ai_next
        }
        return nil
    }

    private static func localAddress(family: Int32, to remote: UnsafeMutablePointer<sockaddr>?, length: socklen_t) -> String? {
        guard family == AF_INET || family == AF_INET6, let remote else { return nil }
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard connect(fd, remote, length) == 0 else { return nil }
        var storage = sockaddr_storage()
        var size = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
        }
        guard named == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let converted: UnsafePointer<CChar>? = withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var ip = address.pointee.sin_addr
                    return inet_ntop(AF_INET, &ip, &text, socklen_t(text.count))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                var ip = address.pointee.sin6_addr
                return inet_ntop(AF_INET6, &ip, &text, socklen_t(text.count))
            }
        }
        guard converted != nil else { return nil }
        let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Hands out blocks of TCP ports that were free when probed, never the same block twice within the
/// test process, so that tests running in parallel get disjoint API and task port ranges.
///
/// Blocks come from 20000-32000: below Linux' ephemeral range (32768+), so outgoing connections of
/// the tests themselves never take a port between the probe and wharf's bind.
final class PortAllocator: Sendable {
    static let shared = PortAllocator()

    private let next: Mutex<Int>
    private static let range = 20000..<32000

    private init() {
        // A random start keeps two concurrent test processes (e.g. two checkouts) apart as well.
        next = Mutex(Int.random(in: 0..<50) * 200 + Self.range.lowerBound)
    }

    /// `count` consecutive ports that were all bindable on 0.0.0.0 just now.
    func block(of count: Int) -> ClosedRange<Int> {
        for _ in 0..<1000 {
            let start = next.withLock { start in
                let value = start
                start += count
                if start + count >= Self.range.upperBound { start = Self.range.lowerBound }
                return value
            }
            let candidate = start...(start + count - 1)
            if candidate.allSatisfy(Self.isFree) { return candidate }
        }
        fatalError("no free block of \(count) ports in \(Self.range)")
    }

    /// Binds a TCP socket to `port` on all addresses (no SO_REUSEADDR) and closes it again.
    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    /// A port the kernel picks by binding port 0 (the ephemeral range); for "nothing listens here" checks.
    static func ephemeralUnusedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length)
                return getsockname(fd, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

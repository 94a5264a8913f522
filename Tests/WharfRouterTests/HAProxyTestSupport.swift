import Foundation
import WharfRouter
#if canImport(Glibc)
import Glibc
#endif

/// Shared fixtures of the HAProxy tests.
enum HAProxyFixtures {
    /// The installed haproxy, nil when absent (tests that need it are then disabled).
    static let executable: String? = HAProxyControl.findExecutable("haproxy")

    /// CI sets `WHARF_REQUIRE_HAPROXY=1`: the HAProxy tests must then run (and fail without haproxy)
    /// instead of being skipped.
    static var isRequired: Bool { ProcessInfo.processInfo.environment["WHARF_REQUIRE_HAPROXY"] == "1" }

    /// The installed haproxy, or a test failure saying how to install it.
    static func requireExecutable() throws -> String {
        struct NotInstalled: Error, CustomStringConvertible {
            var description: String { "haproxy is not installed (apt-get install haproxy; scripts/test does it)" }
        }
        guard let executable else { throw NotInstalled() }
        return executable
    }

    static func endpoint(_ id: String, _ port: Int, host: String = "127.0.0.1") -> HAProxyRoutes.Endpoint {
        .init(id: id, host: host, port: port)
    }

    /// A shop with an HTTP route on two hosts, an API path route, a catch-all and a TCP route.
    static func shop(index: UInt64 = 1, webPorts: [Int] = [10001, 10002]) -> HAProxyRoutes {
        let web = webPorts.enumerated().map { endpoint("shop_web.instance-\($0.offset)", $0.element) }
        return HAProxyRoutes(
            index: index,
            http: [
                .init(name: "catch-all", app: "/fallback", hosts: [], pathPrefix: "/", backends: [endpoint("fallback.instance-1", 10101)]),
                .init(name: "shop-web", app: "/shop/web", hosts: ["shop.example.com", "www.shop.example.com"], pathPrefix: "/", backends: web),
                .init(name: "shop-api", app: "/shop/api", hosts: ["shop.example.com"], pathPrefix: "/api", backends: [endpoint("shop_api.instance-1", 10201)]),
            ],
            tcp: [.init(name: "shop-db", app: "/shop/db", port: 10300, backends: [endpoint("shop_db.instance-1", 10301)])]
        )
    }

    /// A free TCP port on 127.0.0.1, picked by the kernel.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length)
                return getsockname(fd, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A new temporary directory (short path: unix socket paths are limited to 108 bytes).
    static func temporaryDirectory() throws -> String {
        let path = "/tmp/wharf-hx-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    static func eventually(_ timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

import Foundation
import Logging
import Testing
import WharfRouter

/// Drives a real HAProxy (started in master-worker mode by the synchronizer) through route changes.
@Suite("HAProxy synchronizer against a real HAProxy", .enabled(if: HAProxyFixtures.executable != nil || HAProxyFixtures.isRequired, "haproxy is not installed"), .timeLimit(.minutes(3)))
struct HAProxySynchronizerTests {
    @Test func instancesChangeAtRuntimeAndNewRoutesReloadOnce() async throws {
        let directory = try HAProxyFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = HAProxySettings(socket: .unix(path: directory + "/admin.sock"), httpPort: HAProxyFixtures.freePort(), bindAddress: "127.0.0.1")
        let configPath = directory + "/haproxy.cfg"
        let control = HAProxyControl(
            executable: try HAProxyFixtures.requireExecutable(), configPath: configPath, pidFile: directory + "/haproxy.pid", reloadMethod: .managed
        )
        let runtime = HAProxyRuntimeClient(socket: settings.socket)
        let synchronizer = HAProxySynchronizer(
            configuration: .init(configPath: configPath, settings: settings, managesProcess: true, minReloadInterval: .zero),
            runtime: runtime, control: control, logger: Logger(label: "test.haproxy")
        )
        let tcpPort = HAProxyFixtures.freePort()
        func routes(_ index: UInt64, web: [Int], cache: Bool = false) -> HAProxyRoutes {
            var routes = HAProxyRoutes(
                index: index,
                http: [.init(name: "web", app: "/web", hosts: ["web.test"], backends: web.map { HAProxyFixtures.endpoint("web.instance-\($0)", $0) })]
            )
            if cache { routes.tcp = [.init(name: "cache", app: "/cache", port: tcpPort, backends: [HAProxyFixtures.endpoint("cache.1", 9)])] }
            return routes
        }
        func servers() async throws -> Set<String> {
            Set(try await runtime.serverStates().filter { $0.backend == "http_web" }.map(\.name))
        }

        do {
            #expect(try await synchronizer.sync(routes(1, web: [9001])) == .inSync)
            #expect(try await servers() == ["web.instance-9001"])
            let worker = try await runtime.workerPid()

            // An instance added and another removed: runtime API only, same worker.
            #expect(try await synchronizer.sync(routes(2, web: [9002])) == .inSync)
            #expect(try await servers() == ["web.instance-9002"])
            #expect(try await runtime.workerPid() == worker)
            #expect(await synchronizer.reloadCount == 0)
            #expect(HAProxyConfigFile.read(configPath)?.contains("server web.instance-9002 127.0.0.1:9002") == true)

            // A new TCP route: one reload, a new worker that has the new backend and the current servers.
            #expect(try await synchronizer.sync(routes(3, web: [9002, 9003], cache: true)) == .inSync)
            #expect(await synchronizer.reloadCount == 1)
            #expect(try await runtime.workerPid() != worker)
            #expect(try await runtime.backendNames().contains("tcp_cache_\(tcpPort)"))
            #expect(try await servers() == ["web.instance-9002", "web.instance-9003"])

            // Running the same round again changes nothing.
            #expect(try await synchronizer.sync(routes(3, web: [9002, 9003], cache: true)) == .inSync)
            #expect(await synchronizer.reloadCount == 1)

            // The runtime client reports HAProxy's refusals.
            await #expect(throws: HAProxyRuntimeError.rejected(command: "enable health http_web/nope", message: "No such server.")) {
                try await runtime.execute(.enableHealth(backend: "http_web", server: "nope"))
            }
        } catch {
            await control.stop()
            throw error
        }
        await control.stop()
        #expect(await !control.isManagedRunning)
    }
}

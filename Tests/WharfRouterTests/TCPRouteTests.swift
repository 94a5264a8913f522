import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import WharfRouter

@Suite(.timeLimit(.minutes(3))) struct TCPRouteTests {
    @Test func relaysFollowTableChangesWithoutCuttingConnections() async throws {
        let first = try await PrefixServer.start(id: "one")
        let second = try await PrefixServer.start(id: "two")
        let port = try await refusedPort()
        let statuses = NIOLockedValueBox<[String?]>([])
        let table = RouteTable(tcp: [TCPRoute(name: "db", port: port, backends: [Backend(id: "one", host: "127.0.0.1", port: first.port)])])
        try await RouterHarness.with(table, onListenerStatus: { _, _, error in statuses.withLockedValue { $0.append(error) } }) { harness in
            try await waitUntil("listener bound") { statuses.withLockedValue { $0 } == [nil] }
            let old = try await RawClient.connect(port: port)
            try await old.send("hello")
            try await waitUntil("relay") { old.text == "one:hello" }

            // New backends: new connections go there, the old relay keeps going.
            harness.router.update(RouteTable(version: 2, tcp: [TCPRoute(name: "db", port: port, backends: [Backend(id: "two", host: "127.0.0.1", port: second.port)])]))
            let new = try await RawClient.connect(port: port)
            try await new.send("hi")
            try await waitUntil("relay to new backend") { new.text == "two:hi" }
            try await old.send("again")
            try await waitUntil("old relay still works") { old.text == "one:helloone:again" }

            // Route removed: the listener closes, accepted connections stay.
            harness.router.update(RouteTable(version: 3))
            try await waitUntil("listener closed") {
                do {
                    let probe = try await RawClient.connect(port: port)
                    await probe.close()
                    return false
                } catch {
                    return true
                }
            }
            try await new.send("still")
            try await waitUntil("accepted relay survives") { new.text == "two:hitwo:still" }

            // Half-close from the client reaches the backend, which then closes.
            try await new.shutdownOutput()
            try await waitUntil("relay closed") { new.isClosed }
            await old.close()
        }
        await first.stop()
        await second.stop()
    }

    @Test func connectFailureTriesNextBackendAndEmptyRouteClosesAtOnce() async throws {
        let good = try await PrefixServer.start(id: "good")
        let refused = try await refusedPort()
        let port = try await refusedPort()
        let emptyPort = try await refusedPort()
        let statuses = NIOLockedValueBox<[Int]>([])
        let table = RouteTable(tcp: [
            TCPRoute(name: "svc", port: port, backends: [Backend(id: "bad", host: "127.0.0.1", port: refused), Backend(id: "good", host: "127.0.0.1", port: good.port)]),
            TCPRoute(name: "none", port: emptyPort, backends: []),
        ])
        try await RouterHarness.with(table, onListenerStatus: { _, port, _ in statuses.withLockedValue { $0.append(port) } }) { harness in
            try await waitUntil("listeners bound") { statuses.withLockedValue { $0.count } == 2 }
            for _ in 0..<3 {
                let client = try await RawClient.connect(port: port)
                try await client.send("x")
                try await waitUntil("relay") { client.text == "good:x" }
                await client.close()
            }
            #expect(harness.router.stats.backendConnectFailures == 1)
            let empty = try await RawClient.connect(port: emptyPort)
            try await waitUntil("closed at once") { empty.isClosed }
        }
        await good.stop()
    }

    @Test func bindFailureIsReportedAndRetriedOnUpdate() async throws {
        let occupier = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = occupier.localAddress?.port ?? 0
        let echo = try await PrefixServer.start(id: "e")
        let reports = NIOLockedValueBox<[String?]>([])
        let table = RouteTable(tcp: [TCPRoute(name: "busy", port: port, backends: [Backend(id: "e", host: "127.0.0.1", port: echo.port)])])
        let configuration = RouterConfiguration(bindAddress: "127.0.0.1", httpPort: 0)
        try await RouterHarness.with(table, configuration: configuration, onListenerStatus: { name, reportedPort, error in
            if name == "busy", reportedPort == port { reports.withLockedValue { $0.append(error) } }
        }) { harness in
            try await waitUntil("failure reported") { reports.withLockedValue { $0.count } == 1 }
            #expect(reports.withLockedValue { $0.first ?? nil }?.contains("\(port)") == true)
            // The HTTP side keeps working.
            let reply1 = try await harness.get("/")
            #expect(reply1.status == 404)

            try await occupier.close()
            harness.router.update(table)
            try await waitUntil("bound after retry") { reports.withLockedValue { $0.count } == 2 }
            #expect(reports.withLockedValue { $0.last ?? "error" } == nil)
            let client = try await RawClient.connect(port: port)
            try await client.send("ok")
            try await waitUntil("relay") { client.text == "e:ok" }
            await client.close()
        }
        await echo.stop()
    }
}

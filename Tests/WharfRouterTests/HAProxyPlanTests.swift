import Testing
import WharfRouter

@Suite("HAProxy plan: runtime API or reload", .timeLimit(.minutes(3)))
struct HAProxyPlanTests {
    let settings = HAProxySettings()

    func layout(_ routes: HAProxyRoutes) -> HAProxyLayout {
        HAProxyLayout(routes: routes, settings: settings)
    }

    @Test func sameRoutesNeedNothing() {
        let routes = HAProxyFixtures.shop()
        #expect(HAProxyPlan(old: layout(routes), new: layout(routes)) == .runtime([]))
    }

    @Test func aNewInstanceIsAddedEnabledAndChecked() {
        let old = layout(HAProxyFixtures.shop(webPorts: [10001]))
        let new = layout(HAProxyFixtures.shop(webPorts: [10001, 10002]))
        #expect(HAProxyPlan(old: old, new: new) == .runtime([
            .addServer(backend: "http_shop-web", server: "shop_web.instance-1", host: "127.0.0.1", port: 10002, options: "check inter 2000ms"),
            .enableHealth(backend: "http_shop-web", server: "shop_web.instance-1"),
            .setState(backend: "http_shop-web", server: "shop_web.instance-1", state: .ready),
        ]))
        #expect(HAProxyPlan(old: old, new: new).commands.first?.description
            == "add server http_shop-web/shop_web.instance-1 127.0.0.1:10002 check inter 2000ms")
    }

    @Test func aRemovedInstanceGoesToMaintenanceThenIsDeleted() {
        let old = layout(HAProxyFixtures.shop(webPorts: [10001, 10002]))
        let new = layout(HAProxyFixtures.shop(webPorts: [10001]))
        #expect(HAProxyPlan(old: old, new: new) == .runtime([
            .setState(backend: "http_shop-web", server: "shop_web.instance-1", state: .maint),
            .deleteServer(backend: "http_shop-web", server: "shop_web.instance-1"),
        ]))
    }

    @Test func aServerAlreadyInMaintenanceIsOnlyDeletedAgain() {
        let desired = layout(HAProxyFixtures.shop(webPorts: [10001]))
        var observed = observedServers(of: desired)
        observed.append(.init(backend: "http_shop-web", name: "gone.1", address: "127.0.0.1", port: 9, adminState: 0x01))
        #expect(HAProxyPlan(loaded: desired, desired: desired, observed: observed) == .runtime([
            .deleteServer(backend: "http_shop-web", server: "gone.1"),
        ]))
    }

    @Test func movedOrForcedOutServersAreRepaired() {
        let desired = layout(HAProxyFixtures.shop(webPorts: [10001]))
        var observed = observedServers(of: desired)
        let index = observed.firstIndex { $0.name == "shop_web.instance-0" }!
        observed[index].port = 9999
        observed[index].adminState = 0x08  // drained by someone
        #expect(HAProxyPlan(loaded: desired, desired: desired, observed: observed) == .runtime([
            .setAddress(backend: "http_shop-web", server: "shop_web.instance-0", host: "127.0.0.1", port: 10001),
            .setState(backend: "http_shop-web", server: "shop_web.instance-0", state: .ready),
        ]))
    }

    @Test func aNewRouteNeedsAReloadButServerChangesStillApply() {
        let old = layout(HAProxyFixtures.shop(webPorts: [10001]))
        var routes = HAProxyFixtures.shop(webPorts: [10001, 10002])
        routes.tcp.append(.init(name: "cache", app: "/cache", port: 10400, backends: [HAProxyFixtures.endpoint("cache.1", 10401)]))
        let plan = HAProxyPlan(old: old, new: layout(routes))
        guard case .reload(let commands) = plan else {
            Issue.record("expected a reload, got \(plan)")
            return
        }
        #expect(commands.map(\.target.backend) == ["http_shop-web", "http_shop-web", "http_shop-web"])
    }

    @Test func changedHostsOrPathsNeedAReload() {
        let old = HAProxyFixtures.shop()
        var hosts = old
        hosts.http[1].hosts = ["shop.example.org"]
        var path = old
        path.http[2].pathPrefix = "/v2"
        var balance = old
        balance.tcp[0].balance = "leastconn"
        for new in [hosts, path, balance] {
            #expect(HAProxyPlan(old: layout(old), new: layout(new)) != .runtime([]))
            if case .runtime = HAProxyPlan(old: layout(old), new: layout(new)) { Issue.record("expected a reload") }
        }
    }

    @Test func anUnknownLoadedConfigNeedsAReload() {
        let desired = layout(HAProxyFixtures.shop())
        let plan = HAProxyPlan(loaded: nil, desired: desired, observed: [])
        #expect(plan == .reload(runtime: []))
    }

    @Test func parsesShowServersStateOfHAProxy26() throws {
        let text = """
            1
            # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
            3 be 1 s1 127.0.0.1 2 0 1 1 4 6 3 4 6 0 0 0 - 29001 - 0 0 - - 0
            3 be 2 s2 127.0.0.1 0 1 1 1 0 1 0 0 2 0 0 0 - 29002 - 0 0 - - 0

            """
        let states = try HAProxyServerState.parse(text)
        #expect(states == [
            .init(backend: "be", name: "s1", address: "127.0.0.1", port: 29001, adminState: 0, operationalState: 2),
            .init(backend: "be", name: "s2", address: "127.0.0.1", port: 29002, adminState: 1, operationalState: 0),
        ])
        #expect(states[1].inMaintenance && !states[0].inMaintenance)
        #expect(throws: HAProxyRuntimeError.self) { try HAProxyServerState.parse("Unknown command.\n") }
    }

    @Test func runtimeAnswersAreClassified() {
        let add = HAProxyRuntimeCommand.addServer(backend: "b", server: "s", host: "::1", port: 80, options: "check")
        #expect(add.description == "add server b/s [::1]:80 check")
        #expect(add.succeeded("New server registered.\n\n"))
        #expect(!add.succeeded("Already exists a server with the same name in backend.\n"))
        #expect(HAProxyRuntimeCommand.setState(backend: "b", server: "s", state: .maint).succeeded("\n"))
        #expect(!HAProxyRuntimeCommand.setState(backend: "b", server: "s", state: .maint).succeeded("No such server.\n"))
        #expect(HAProxyRuntimeError.rejected(command: "x", message: "No such backend.").isNoSuchBackend)
        #expect(HAProxyRuntimeError.rejected(command: "x", message: "Server still has connections attached to it, cannot remove it.").isServerBusy)
    }

    private func observedServers(of layout: HAProxyLayout) -> [HAProxyServerState] {
        layout.backends.flatMap { backend in
            backend.servers.map { HAProxyServerState(backend: backend.name, name: $0.name, address: $0.host, port: $0.port) }
        }
    }
}

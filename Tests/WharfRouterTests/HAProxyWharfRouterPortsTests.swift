import Foundation
import Testing
import WharfRouter

@Suite("HAProxy next to Wharf's own router", .timeLimit(.minutes(1)))
struct HAProxyWharfRouterPortsTests {
    func layout(routerTCPBind: String?, sharesHost: Bool, bind: String = "") -> HAProxyLayout {
        var routes = HAProxyFixtures.shop()
        routes.routerTCPBind = routerTCPBind
        return HAProxyLayout(routes: routes, settings: HAProxySettings(httpPort: 8081, bindAddress: bind, sharesHostWithWharf: sharesHost))
    }

    @Test func tcpRoutesWharfAlreadyListensOnAreLeftOutOnTheSameHost() {
        let layout = layout(routerTCPBind: "0.0.0.0", sharesHost: true)
        #expect(layout.tcpFrontends.isEmpty)
        #expect(layout.backend(named: "tcp_shop-db_10300") == nil)
        #expect(layout.warnings.contains { $0.contains("service port 10300 is already served by wharf dev's own router on 0.0.0.0")
            && $0.contains("--tcp-routes false") }, "\(layout.warnings)")
        #expect(!layout.httpRules.isEmpty, "HTTP routes stay")
    }

    @Test func theyStayWhenHAProxyRunsElsewhereOrWharfServesNoTCPRoutesOrTheAddressesDiffer() {
        #expect(layout(routerTCPBind: "0.0.0.0", sharesHost: false).tcpFrontends.map(\.port) == [10300])
        #expect(layout(routerTCPBind: nil, sharesHost: true).tcpFrontends.map(\.port) == [10300])
        #expect(layout(routerTCPBind: "127.0.0.1", sharesHost: true, bind: "127.0.0.2").tcpFrontends.map(\.port) == [10300])
        #expect(layout(routerTCPBind: "127.0.0.1", sharesHost: true, bind: "127.0.0.1").tcpFrontends.isEmpty)
    }

    @Test func theRoutesDocumentSaysWhereWharfListens() throws {
        let json = #"{"index": 3, "routerTcpBind": "0.0.0.0", "http": [], "tcp": []}"#
        let routes = try JSONDecoder().decode(HAProxyRoutes.self, from: Data(json.utf8))
        #expect(routes.routerTCPBind == "0.0.0.0")
        let older = try JSONDecoder().decode(HAProxyRoutes.self, from: Data(#"{"index": 3}"#.utf8))
        #expect(older.routerTCPBind == nil)
    }
}

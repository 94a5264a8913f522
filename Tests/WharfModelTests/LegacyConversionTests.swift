import Foundation
import Testing
@testable import WharfModel

@Suite("Deprecated fields", .timeLimit(.minutes(3)))
struct LegacyConversionTests {
    @Test func portsBecomePortDefinitions() throws {
        let app = try decodeApp(#"{"id": "/a", "cmd": "x y", "ports": [8080, 0]}"#)
        #expect(app.portDefinitions.map(\.port) == [8080, 0])
        let out = try jsonObject(app)
        #expect(out["ports"] == nil)
        #expect((out["portDefinitions"] as? [[String: Any]])?.count == 2)
    }

    @Test func urisBecomeFetchWithExtractGuess() throws {
        let app = try decodeApp(#"{"id": "/a", "cmd": "x y", "uris": ["http://x/app.tgz", "http://x/run.sh"]}"#)
        #expect(app.fetch == [FetchUri(uri: "http://x/app.tgz", extract: true), FetchUri(uri: "http://x/run.sh", extract: false)])
        #expect(try jsonObject(app)["uris"] == nil)
    }

    @Test func dockerBridgeNetworkBecomesNetworksAndPortMappings() throws {
        let app = try decodeApp(Fixtures.dockerBridge)
        #expect(app.networks == [Network(mode: .containerBridge)])
        #expect(app.portDefinitions.isEmpty)
        let mapping = try #require(app.container?.portMappings?.first)
        #expect(mapping.containerPort == 80)
        #expect(mapping.hostPort == 0)
        #expect(mapping.name == "http")
        let out = try jsonObject(app)
        #expect(out["portDefinitions"] == nil)
        let container = try #require(out["container"] as? [String: Any])
        let docker = try #require(container["docker"] as? [String: Any])
        #expect(docker["network"] == nil && docker["portMappings"] == nil)
        #expect((container["portMappings"] as? [[String: Any]])?.first?["hostPort"] as? Int == 0)
    }

    @Test func dockerHostAndUserNetworks() throws {
        let host = try decodeApp(#"{"id": "/a", "container": {"docker": {"image": "x", "network": "HOST"}}}"#)
        #expect(host.networks == [Network(mode: .host)])
        #expect(host.container?.portMappings == nil)
        let user = try decodeApp(#"{"id": "/a", "container": {"docker": {"image": "x", "network": "USER"}}}"#)
        #expect(user.networks == [Network(mode: .container)])
        #expect(user.container?.portMappings == [PortMapping(name: "default")])
    }

    @Test func dockerNoneNetworkIsRefused() {
        #expect(failures(#"{"id": "/a", "container": {"docker": {"image": "x", "network": "NONE"}}}"#).contains { $0.errors.contains("unsupported docker network type NONE") })
    }

    @Test func ipAddressBecomesContainerNetwork() throws {
        let app = try decodeApp(#"{"id": "/a", "cmd": "x y", "ipAddress": {"networkName": "dev", "discovery": {"ports": [{"number": 80, "name": "http", "protocol": "tcp"}]}}}"#)
        #expect(app.networks == [Network(mode: .container, name: "dev")])
        #expect(app.container?.type == .mesos)
        #expect(app.container?.portMappings == [PortMapping(containerPort: 80, name: "http")])
        #expect(try jsonObject(app)["ipAddress"] == nil)
    }

    @Test func containerNetworkWithoutContainerGetsDefaultMapping() throws {
        let app = try decodeApp(#"{"id": "/a", "cmd": "x y", "networks": [{"mode": "container/bridge"}]}"#)
        #expect(app.container?.type == .mesos)
        #expect(app.container?.portMappings == [PortMapping(hostPort: 0, name: "default")])
        #expect(app.requirePorts == false)
    }

    @Test func conflictingLegacyAndCanonicalFieldsAreReported() {
        let both = failures(#"{"id": "/a", "cmd": "x y", "ports": [1], "portDefinitions": [{"port": 2}]}"#)
        #expect(has(both, "/", "cannot specify both ports and port definitions"))
        let uris = failures(#"{"id": "/a", "cmd": "x y", "uris": ["http://a"], "fetch": [{"uri": "http://b"}]}"#)
        #expect(has(uris, "/uris", "may not be set in conjunction with fetch"))
        let mappings = failures(#"{"id": "/a", "container": {"docker": {"image": "x", "portMappings": [{"containerPort": 1}]}, "portMappings": [{"containerPort": 2}]}, "networks": [{"mode": "container/bridge"}]}"#)
        #expect(has(mappings, "/container/portMappings", "cannot specify both portMappings and docker.portMappings"))
        let network = failures(#"{"id": "/a", "container": {"docker": {"image": "x", "network": "BRIDGE"}}, "networks": [{"mode": "host"}]}"#)
        #expect(has(network, "/", "must not specify both container.docker.network and networks"))
    }

    @Test func equalPortsAndPortDefinitionsAreAccepted() {
        #expect(failures(#"{"id": "/a", "cmd": "x y", "ports": [1000], "portDefinitions": [{"port": 1000}]}"#).isEmpty)
    }
}
